/* Staff console: actions are sent in the background (the same forms as without
 * JavaScript), the outcome is announced, N / F / R / A are keyboard shortcuts and T goes
 * to the transfer form. */
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

  document.addEventListener('DOMContentLoaded', function () {
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
      window.Tickets.refresh(liveUrl(), function () { return !busy && at === actions; });
    });
    window.Tickets.stream({ state: refresh, queue: refresh, 'signed-out': signedOut });
  });
})();
