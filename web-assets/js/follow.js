/* The ticket's page: position and estimated wait follow the event stream. The position is
 * the ticket's place in its service's waiting list (`services[].queue`, in calling order,
 * priority classes first); when the list is cut short before the ticket, the page asks the
 * server again. Alerts (vibration, sound, notification) when the ticket is next, when it
 * is called, and when it is called again. */
(function () {
  'use strict';
  var audio = null, card, live, n, before = null, desks = {};

  function t(name) { return card.getAttribute('data-t-' + name) || ''; }

  function beep(times) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      for (var i = 0; i < times; i++) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.2;
        osc.connect(gain); gain.connect(audio.destination);
        var at = audio.currentTime + i * 0.35;
        osc.start(at); osc.stop(at + 0.2);
      }
    } catch (e) { /* no sound here */ }
  }

  function alertUser(kind) {
    var text = live.textContent.replace(/\s+/g, ' ').trim();
    if (navigator.vibrate) navigator.vibrate(kind === 'next' ? [200] : [400, 150, 400, 150, 400]);
    beep(kind === 'next' ? 1 : 3);
    if (window.Notification && Notification.permission === 'granted') {
      // The tag of the push notifications (ticket-sw.js): one notice, not two, when
      // both come.
      var tag = 'ticket-' + card.getAttribute('data-day') + '-' + n;
      try { new Notification(document.title, { body: text, tag: tag }); } catch (e) { /* ignore */ }
    }
  }

  /* The same estimate as the server: (ahead + 1) × 3600 ÷ rate, rounded up. */
  function estimate(ahead, s) {
    var rate = s.service_rate_per_hour ||
      Math.max(s.desks_at_work || 0, 1) * 3600 / Math.max(s.default_service_seconds || 300, 1);
    return Math.ceil((ahead + 1) * 3600 / rate);
  }

  function words(seconds) {
    var m = Math.ceil(seconds / 60);
    if (m === 0) return t('none');
    if (m === 1) return t('lt1');
    if (m < 60) return t('min').replace('{m}', m);
    return t('hours').replace('{h}', Math.floor(m / 60)).replace('{mm}', String(m % 60).padStart(2, '0'));
  }

  function para(cls, parts) {
    var p = document.createElement('p');
    p.className = cls;
    parts.forEach(function (part) {
      if (part.strong) {
        var s = document.createElement('strong');
        s.textContent = part.strong;
        p.appendChild(s);
      } else if (part.text) {
        p.appendChild(document.createTextNode(part.text));
      }
    });
    return p;
  }

  /* "Rendez-vous au Guichet 3" (a configured desk), or "… au guichet L5". */
  function calledTo(desk) {
    if (desks[desk]) return [{ text: t('called') }, { strong: desks[desk] }];
    return [{ text: t('called') + (card.getAttribute('data-desk-word') || '') }, { strong: desk }];
  }

  /* Where the ticket waits: {ahead, service} from the services' waiting lists; null when
   * it waits nowhere (served, no-show); undefined when a list is cut short and the ticket
   * is not in the part sent. */
  function position(s) {
    if (!s.services) {
      // An older server: one line, waiting tickets from the head to the last taken.
      if (s.next_ticket !== null && s.next_ticket <= n && n <= s.total_tickets) return { ahead: n - s.next_ticket };
      return null;
    }
    var cut = false;
    for (var i = 0; i < s.services.length; i++) {
      var x = s.services[i], queue = x.queue || [];
      var at = queue.indexOf(n);
      if (at >= 0) return { ahead: at, service: x };
      if (queue.length < x.waiting) cut = true;
    }
    return cut ? undefined : null;
  }

  var askServer = null;

  function render(s) {
    if (s.day !== card.getAttribute('data-day')) return;
    // The region is swapped whole when the page is read again from the server.
    live = document.querySelector('[data-live="ticket-state"]') || live;
    var desk = (s.desks || []).filter(function (d) { return d.ticket === n; })[0];
    var now;
    if (desk) {
      now = { status: 'in_progress', desk: desk.desk };
      live.replaceChildren(para('ticket-called', calledTo(desk.desk)));
    } else {
      var pos = position(s);
      if (pos === undefined) {
        // Further back than the lists sent: the server's page says where.
        askServer();
        return;
      }
      if (pos === null) {
        // Finished, no-show or reset: the server says which.
        if (before && before.status !== 'done') window.Tickets.refresh();
        now = { status: 'done' };
      } else {
        var ahead = pos.ahead;
        now = { status: 'waiting', ahead: ahead };
        var tpl = ahead === 0 ? t('ahead-0') : ahead === 1 ? t('ahead-1') : t('ahead-n');
        live.replaceChildren(
          para('ticket-ahead', [{ text: tpl.replace('{n}', ahead) }]),
          para('ticket-wait', [{ text: t('wait') }, { strong: words(estimate(ahead, s)) }])
        );
        live.setAttribute('data-ahead', String(ahead));
        // Transferred to another service: say which.
        if (pos.service && pos.service.code !== card.getAttribute('data-service')) {
          card.setAttribute('data-service', pos.service.code);
          var name = pos.service.name;
          var shown = document.querySelector('[data-service-name]');
          if (shown && name) shown.textContent = typeof name === 'string' ? name : (name[document.documentElement.lang] || name.fr);
        }
      }
    }
    live.setAttribute('data-status', now.status);
    if (before) {
      if (now.status === 'in_progress' && before.status !== 'in_progress') alertUser('called');
      else if (now.status === 'waiting' && now.ahead === 0 && before.ahead !== 0) alertUser('next');
    }
    before = now;
  }

  document.addEventListener('DOMContentLoaded', function () {
    card = document.querySelector('[data-ticket]');
    live = document.querySelector('[data-live="ticket-state"]');
    if (!card || !live) return;
    n = parseInt(card.getAttribute('data-ticket'), 10);
    // On the kiosk, the holder's key leaves the address (and so the browser's history):
    // the next person at the kiosk must not find it by going back. The QR code keeps it.
    if (document.body.classList.contains('kiosk-mode') && /[?&]k=/.test(window.location.search)) {
      var clean = new URL(window.location.href);
      clean.searchParams.delete('k');
      history.replaceState(null, '', clean.pathname + clean.search);
    }
    try { desks = JSON.parse(card.getAttribute('data-desks') || '{}'); } catch (e) { desks = {}; }
    askServer = window.Tickets.debounce(3000, function () {
      window.Tickets.refresh();
    });
    var button = document.querySelector('[data-alerts]');
    /* Sound needs a tap first: the alert button's, or push.js's "notify me" (which asks
     * for the notifications itself). */
    var armed = false;
    function arm() {
      if (armed) return;
      armed = true;
      beep(1);
      if (button) {
        button.setAttribute('aria-pressed', 'true');
        button.disabled = true;
      }
    }
    window.Tickets.alerts = { arm: arm };
    if (button) {
      button.addEventListener('click', function () {
        arm();
        if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
      });
    }
    // Once seen, the page opens without the network (ticket-sw.js).
    if ('serviceWorker' in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(card.getAttribute('data-sw'), { scope: '/api/tickets/follow/' })
        .catch(function () { /* the page works without it */ });
    }
    var offline = document.querySelector('[data-offline]');
    function showNetwork() { if (offline) offline.hidden = navigator.onLine; }
    window.addEventListener('online', function () { showNetwork(); window.Tickets.refresh(); });
    window.addEventListener('offline', showNetwork);
    showNetwork();
    window.Tickets.stream({
      state: render,
      queue: function (e) {
        // Numbers start again every day: only this ticket's day concerns it (a page left
        // open overnight must not ring for the new day's ticket of the same number).
        if (e.action === 'recall' && e.ticket === n && e.day === card.getAttribute('data-day')) alertUser('called');
      }
    });
  });
})();
