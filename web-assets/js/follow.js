/* The ticket's page: position and estimated wait follow the event stream (waiting tickets
 * are always the numbers from the queue's head to the last taken, so the position is
 * `ticket − next_ticket`); alerts (vibration, sound, notification) when the ticket is
 * next, when it is called, and when it is called again. */
(function () {
  'use strict';
  var audio = null, card, live, n, before = null;

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
      try { new Notification(document.title, { body: text }); } catch (e) { /* ignore */ }
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

  function para(cls, text, strong) {
    var p = document.createElement('p');
    p.className = cls;
    p.appendChild(document.createTextNode(text));
    if (strong !== undefined) {
      var s = document.createElement('strong');
      s.textContent = strong;
      p.appendChild(s);
    }
    return p;
  }

  function render(s) {
    if (s.day !== card.getAttribute('data-day')) return;
    var desk = (s.desks || []).filter(function (d) { return d.ticket === n; })[0];
    var now;
    if (desk) {
      now = { status: 'in_progress', desk: desk.desk };
      live.replaceChildren(para('ticket-called', t('called'), desk.desk));
    } else if (s.next_ticket !== null && s.next_ticket <= n && n <= s.total_tickets) {
      var ahead = n - s.next_ticket;
      now = { status: 'waiting', ahead: ahead };
      var tpl = ahead === 0 ? t('ahead-0') : ahead === 1 ? t('ahead-1') : t('ahead-n');
      live.replaceChildren(
        para('ticket-ahead', tpl.replace('{n}', ahead)),
        para('ticket-wait', t('wait'), words(estimate(ahead, s)))
      );
    } else {
      // Finished, no-show or reset: the server says which.
      if (before && before.status !== 'done') window.Tickets.refresh();
      now = { status: 'done' };
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
    var button = document.querySelector('[data-alerts]');
    if (button) {
      button.addEventListener('click', function () {
        beep(1);
        if (window.Notification && Notification.permission === 'default') Notification.requestPermission();
        button.setAttribute('aria-pressed', 'true');
        button.disabled = true;
      });
    }
    window.Tickets.stream({
      state: render,
      queue: function (e) {
        if (e.action === 'recall' && e.ticket === n) alertUser('called');
      }
    });
  });
})();
