/* Kiosk: the waiting count and the open/closed state follow the event stream; a tap
 * sends the form once (its idempotency key makes a resend harmless anyway). */
(function () {
  'use strict';
  document.addEventListener('DOMContentLoaded', function () {
    var form = document.querySelector('.take-form');
    var live = document.querySelector('[data-live="kiosk-state"]');
    if (form) {
      form.addEventListener('submit', function () {
        var b = form.querySelector('button');
        b.setAttribute('aria-busy', 'true');
        setTimeout(function () { b.disabled = true; }, 0);
      });
    }
    if (!live) return;
    window.Tickets.stream({
      state: function (s) {
        if (form) form.hidden = !s.open;
        live.setAttribute('data-open', String(s.open));
        var p = document.createElement('p');
        if (s.open) {
          var n = s.queue_length;
          var tpl = live.getAttribute(n === 0 ? 'data-t-0' : n === 1 ? 'data-t-1' : 'data-t-n');
          p.className = 'kiosk-waiting';
          p.textContent = tpl.replace('{n}', n);
        } else {
          p.className = 'closed-sign';
          p.textContent = live.getAttribute('data-t-closed');
        }
        if (live.textContent.trim() !== p.textContent) live.replaceChildren(p);
      }
    });
  });
})();
