/* Kiosk: the open/closed state and each service's waiting count follow the event stream;
 * a tap sends its form once (its idempotency key makes a resend harmless anyway). When the
 * office's services change (configuration), the kiosk loads itself again. */
(function () {
  'use strict';

  /* "code:open code:open", as the page was rendered. */
  function signature(services) {
    return services.map(function (s) { return s.code + ':' + (s.open !== false); }).join(' ');
  }

  document.addEventListener('DOMContentLoaded', function () {
    var root = document.querySelector('[data-kiosk]');
    var live = document.querySelector('[data-live="kiosk-state"]');
    var forms = document.querySelectorAll('.take-form');
    forms.forEach(function (form) {
      form.addEventListener('submit', function (e) {
        var b = e.submitter || form.querySelector('button');
        b.setAttribute('aria-busy', 'true');
        // Disabled after the form's data is taken; enabled again if nothing happened.
        setTimeout(function () { form.querySelectorAll('button').forEach(function (x) { x.disabled = true; }); }, 0);
        setTimeout(function () {
          form.querySelectorAll('button').forEach(function (x) { x.disabled = false; x.removeAttribute('aria-busy'); });
        }, 10000);
      });
    });
    // Back from the ticket page through the browser's history: buttons usable again.
    window.addEventListener('pageshow', function () {
      document.querySelectorAll('.take-form button').forEach(function (x) { x.disabled = false; x.removeAttribute('aria-busy'); });
    });
    if (!root || !live) return;
    var rendered = root.getAttribute('data-services') || '';
    var single = rendered.split(' ').filter(Boolean).length <= 1;
    var reloading = false;

    function words(n) {
      var name = n === 0 ? 'data-ts-0' : n === 1 ? 'data-ts-1' : 'data-ts-n';
      return root.getAttribute(name).replace('{n}', n);
    }

    window.Tickets.stream({
      state: function (s) {
        if (s.services && signature(s.services) !== rendered) {
          if (!reloading) { reloading = true; setTimeout(function () { window.location.reload(); }, 300); }
          return;
        }
        var anyOpen = s.services
          ? s.services.some(function (x) { return x.open !== false; })
          : root.getAttribute('data-any-open') === 'true';
        var open = !!s.open && anyOpen;
        document.querySelectorAll('[data-open-only]').forEach(function (el) { el.hidden = !open; });
        live.setAttribute('data-open', String(open));
        (s.services || []).forEach(function (x) {
          var w = root.querySelector('[data-service="' + x.code + '"] [data-waiting]');
          if (w && w.textContent !== words(x.waiting)) w.textContent = words(x.waiting);
        });
        var p = null;
        if (!open) {
          p = document.createElement('p');
          p.className = 'closed-sign';
          p.textContent = live.getAttribute('data-t-closed');
        } else if (single) {
          var n = s.queue_length;
          var tpl = live.getAttribute(n === 0 ? 'data-t-0' : n === 1 ? 'data-t-1' : 'data-t-n');
          p = document.createElement('p');
          p.className = 'kiosk-waiting';
          p.textContent = tpl.replace('{n}', n);
        }
        if (!p) { if (live.firstChild) live.replaceChildren(); return; }
        if (live.textContent.trim() !== p.textContent) live.replaceChildren(p);
      }
    });
  });
})();
