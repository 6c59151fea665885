/* Staff console: actions are sent in the background (the same forms as without
 * JavaScript), the outcome is announced, N / F / R / A are keyboard shortcuts and T goes
 * to the transfer form. It chimes (and says so) when a queue of this desk gets its first
 * customer and when a waiting ticket passes its service's target wait; each can be turned
 * off, and the browser remembers. */
(function () {
  'use strict';
  var busy = false;
  var actions = 0; // a refresh started before an action must not undo what it showed

  /* This console's address without the last action's outcome (done, n, to, removed): live
   * updates read it, so an outcome that cannot be shown again never stops them. */
  function liveUrl() {
    var url = new URL(window.location.href);
    ['done', 'n', 'to', 'removed'].forEach(function (k) { url.searchParams.delete(k); });
    return url.toString();
  }

  function warn(fr, en) {
    var outcome = document.querySelector('[data-outcome]');
    if (!outcome) return;
    var p = document.createElement('p');
    p.className = 'notice notice-warn';
    p.textContent = document.documentElement.lang === 'en' ? en : fr;
    outcome.replaceChildren(p);
  }

  /* The session ended: say so, and stop every action of the page. */
  function signedOut() {
    document.body.classList.add('signed-out');
    document.querySelectorAll('form[method="post"] button, form[method="post"] input, form[method="post"] select')
      .forEach(function (el) { el.disabled = true; });
    var banner = document.createElement('div');
    banner.className = 'notice notice-warn session-ended';
    banner.setAttribute('role', 'alert');
    var en = document.documentElement.lang === 'en';
    banner.append(en ? 'Your session has ended: this console can no longer act. '
      : 'Votre session a pris fin : cette console ne peut plus agir. ');
    var a = document.createElement('a');
    a.href = '/api/login?next=' + encodeURIComponent(window.location.pathname + window.location.search);
    a.textContent = en ? 'Sign in again' : 'Se reconnecter';
    banner.append(a);
    var main = document.querySelector('main') || document.body;
    main.prepend(banner);
  }

  function send(form) {
    if (busy) return;
    busy = true;
    var button = form.querySelector('button[type="submit"]');
    if (button) button.setAttribute('aria-busy', 'true');
    actions += 1;
    fetch(form.getAttribute('action'), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(new FormData(form)).toString()
    }).then(function (res) {
      if (res.redirected && /\/api\/login/.test(res.url)) { window.location.href = res.url; return; }
      if (!res.ok) {
        // The console after the action did not come back: keep this address (where it
        // came from works), show the state from it, and say so.
        warn('Le résultat n\'a pas pu être affiché ; la console montre l\'état actuel.',
          'The outcome could not be shown; the console shows the current state.');
        if (form.classList.contains('reset-form')) form.reset();
        return window.Tickets.refresh(liveUrl());
      }
      return res.text().then(function (html) {
        var doc = window.Tickets.parser.parseFromString(html, 'text/html');
        // The form was sent: what it said is done, the page's fresh choices apply.
        form.querySelectorAll('[data-touched]').forEach(function (f) { f.removeAttribute('data-touched'); });
        window.Tickets.swap(doc);
        lookForSignals();
        var outcome = document.querySelector('[data-outcome]');
        var fresh = doc.querySelector('[data-outcome]');
        if (outcome && fresh) outcome.innerHTML = fresh.innerHTML;
        if (res.url) history.replaceState(null, '', res.url);
        if (form.classList.contains('reset-form')) form.reset();
      });
    }).catch(function () {
      warn('Le serveur est injoignable ; rien n\'a été fait.',
        'The server cannot be reached; nothing was done.');
    }).finally(function () {
      busy = false;
      if (button) button.removeAttribute('aria-busy');
    });
  }

  /* --- Sound signals -------------------------------------------------------------- */
  var audio = null;
  var waitingBefore = null; // this desk's waiting count at the last look
  var lateSeen = {}; // tickets already past their target, by number and time of taking

  function chimeOn(name) {
    try { return window.localStorage.getItem('tickets.chime.' + name) !== 'off'; } catch (e) { return true; }
  }

  function chime(times) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = i % 2 ? 660 : 880;
        gain.gain.value = 0.15;
        osc.connect(gain); gain.connect(audio.destination);
        var at = audio.currentTime + i * 0.3;
        osc.start(at); osc.stop(at + 0.18);
      }
    } catch (e) { /* no sound here: the words are shown all the same */ }
    document.body.setAttribute('data-chimed', String((parseInt(document.body.getAttribute('data-chimed') || '0', 10)) + times));
  }

  function say(kind, label) {
    var box = document.querySelector('[data-chimes]');
    var alert = document.querySelector('[data-chime-alert]');
    if (!box || !alert) return;
    alert.textContent = (box.getAttribute('data-t-' + kind) || '').replace('{label}', label);
    alert.setAttribute('data-kind', kind);
    alert.hidden = false;
  }

  /* Looks at the console as it now is: the first customer in an empty queue, and tickets
   * that passed their target since the last look. The first look only takes note. */
  function lookForSignals() {
    var first = waitingBefore === null;
    var total = 0;
    document.querySelectorAll('[data-service-waiting]').forEach(function (el) {
      total += parseInt(el.textContent, 10) || 0;
    });
    if (!first && waitingBefore === 0 && total > 0 && chimeOn('arrival')) {
      var row = document.querySelector('tr[data-ticket]');
      chime(2);
      say('arrival', row ? row.getAttribute('data-label') : '');
    }
    waitingBefore = total;
    var now = Date.now();
    document.querySelectorAll('tr[data-target-ms]').forEach(function (row) {
      var target = parseInt(row.getAttribute('data-target-ms'), 10) || 0;
      var taken = parseInt(row.getAttribute('data-taken-ms'), 10) || 0;
      if (!target || !taken || now - taken <= target) return;
      row.classList.add('is-late');
      var mark = row.querySelector('[data-late]');
      if (mark) mark.hidden = false;
      var key = row.getAttribute('data-ticket') + '@' + taken;
      if (lateSeen[key]) return;
      lateSeen[key] = true;
      if (!first && chimeOn('late')) {
        chime(1);
        say('late', row.getAttribute('data-label'));
      }
    });
  }

  function setUpSignals() {
    var box = document.querySelector('[data-chimes]');
    if (!box) return;
    box.hidden = false;
    box.querySelectorAll('input[data-chime]').forEach(function (input) {
      var name = input.getAttribute('data-chime');
      input.checked = chimeOn(name);
      input.addEventListener('change', function () {
        try { window.localStorage.setItem('tickets.chime.' + name, input.checked ? 'on' : 'off'); } catch (e) { /* kept for this page only */ }
        if (input.checked) chime(1); // what it sounds like (and lets the browser play sound)
      });
    });
    lookForSignals();
    window.Tickets.every(15000, lookForSignals);
  }

  document.addEventListener('DOMContentLoaded', function () {
    setUpSignals();
    document.querySelectorAll('form[data-action]').forEach(function (form) {
      form.addEventListener('submit', function (e) { e.preventDefault(); send(form); });
    });
    document.addEventListener('keydown', function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      var t = e.target;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      var key = e.key.toLowerCase();
      var button = document.querySelector('button[data-key="' + key + '"]');
      if (button) { e.preventDefault(); button.click(); return; }
      var field = document.querySelector('[data-focus-key="' + key + '"]');
      if (field) { e.preventDefault(); field.focus(); }
    });
    var refresh = window.Tickets.debounce(150, function () {
      if (busy) return;
      var at = actions;
      window.Tickets.refresh(liveUrl(), function () { return !busy && at === actions; })
        .then(function (changed) { if (changed) lookForSignals(); });
    });
    window.Tickets.stream({ state: refresh, queue: refresh, 'signed-out': signedOut });
  });
})();
