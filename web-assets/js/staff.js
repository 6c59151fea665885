/* Staff console: actions are sent in the background (the same forms as without
 * JavaScript), the outcome is announced, N / F / R / A are keyboard shortcuts and T goes
 * to the transfer form. */
(function () {
  'use strict';
  var busy = false;
  var actions = 0; // a refresh started before an action must not undo what it showed

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
      var outcome = document.querySelector('[data-outcome]');
      if (outcome) {
        var p = document.createElement('p');
        p.className = 'notice notice-warn';
        p.textContent = document.documentElement.lang === 'en'
          ? 'The server cannot be reached; nothing was done.'
          : 'Le serveur est injoignable ; rien n\'a été fait.';
        outcome.replaceChildren(p);
      }
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
      window.Tickets.refresh(null, function () { return !busy && at === actions; });
    });
    window.Tickets.stream({ state: refresh, queue: refresh });
  });
})();
