/* Display board: shows each call very large ("B007 → Guichet 3"), one after another, with
 * a chime and a spoken announcement once sound is enabled (browsers need one tap for
 * that). The voice reads the label as people do: its letters, then the number as a
 * number ("Ticket B 7, Guichet 3"). Calls that arrive together are queued, never cut off;
 * a recall repeats the announcement. */
(function () {
  'use strict';
  var board, audio = null, soundOn = false, queue = [], busy = false, lastSeen = null;
  var desks = {}, labels = {};

  function $(sel) { return board.querySelector(sel); }

  function text(tpl, n, d) { return tpl.replace('{n}', n).replace('{d}', d); }

  /* What a desk is called: its configured name, or "Guichet 3". */
  function deskName(d) {
    if (d === null || d === undefined) return '—';
    return desks[d] || board.getAttribute('data-desk-word').replace('{d}', d);
  }

  /* A label as it is read aloud: "B007" → "B 7", "AB1042" → "A B 1042", "42" → "42". */
  function spoken(label) {
    var m = /^([A-Z]*)0*(\d+)$/.exec(String(label));
    if (!m) return String(label);
    return (m[1] ? m[1].split('').join(' ') + ' ' : '') + m[2];
  }

  /* A ticket's label: the one given, or the one learnt from events, else its number. */
  function labelOf(ticket, label) {
    if (label) { labels[ticket] = label; return label; }
    return labels[ticket] || String(ticket);
  }

  function setNow(label, desk) {
    var num = $('[data-now-number]');
    num.textContent = label;
    num.classList.toggle('wide', String(label).length === 4);
    num.classList.toggle('long', String(label).length > 4);
    $('[data-now-desk]').textContent = deskName(desk);
  }

  function chime() {
    if (!audio) return 0;
    var t = audio.currentTime + 0.05;
    [[659.25, 0], [523.25, 0.45]].forEach(function (note) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.type = 'sine';
      osc.frequency.value = note[0];
      gain.gain.setValueAtTime(0.0001, t + note[1]);
      gain.gain.exponentialRampToValueAtTime(0.35, t + note[1] + 0.03);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + note[1] + 0.9);
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(t + note[1]); osc.stop(t + note[1] + 1);
    });
    return 1300;
  }

  function voice() {
    if (!window.speechSynthesis) return null;
    var lang = document.documentElement.lang || 'fr';
    var voices = speechSynthesis.getVoices().filter(function (v) { return v.lang && v.lang.toLowerCase().indexOf(lang) === 0; });
    var offline = voices.filter(function (v) { return v.localService; });
    return offline[0] || voices[0] || null;
  }

  function speak(sentence, done) {
    if (!soundOn || !window.speechSynthesis) { setTimeout(done, 2500); return; }
    var u = new SpeechSynthesisUtterance(sentence);
    var v = voice();
    if (v) u.voice = v;
    u.lang = v ? v.lang : (document.documentElement.lang === 'en' ? 'en-GB' : 'fr-FR');
    u.rate = 0.9;
    var finished = false;
    function end() { if (!finished) { finished = true; setTimeout(done, 700); } }
    u.onend = end; u.onerror = end;
    setTimeout(end, 8000); // a voice that never reports its end must not block the queue
    speechSynthesis.speak(u);
  }

  function show(call) {
    setNow(call.label, call.desk);
    var now = $('.board-now');
    now.classList.remove('flash');
    void now.offsetWidth;
    now.classList.add('flash');
  }

  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var call = queue.shift();
    show(call);
    var tpl = board.getAttribute(call.recall ? 'data-say-recall' : 'data-say');
    var wait = soundOn ? chime() : 0;
    setTimeout(function () {
      var sentence = text(tpl, spoken(call.label), deskName(call.desk));
      board.setAttribute('data-said', sentence);
      speak(sentence, function () { busy = false; next(); });
    }, wait);
  }

  function clock(at) {
    var opts = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    try {
      return new Date(at).toLocaleTimeString(document.documentElement.lang, Object.assign({ timeZone: board.getAttribute('data-tz') }, opts));
    } catch (e) {
      return new Date(at).toLocaleTimeString(document.documentElement.lang, opts);
    }
  }

  function renderState(s) {
    $('[data-queue-length]').textContent = s.queue_length;
    $('[data-closed]').hidden = !!s.open;
    (s.desks || []).forEach(function (d) { if (d.ticket) labelOf(d.ticket, d.label); });
    (s.services || []).forEach(function (x) {
      var el = $('[data-board-service="' + x.code + '"]');
      if (el) el.textContent = x.waiting;
    });
    var body = $('[data-calls]');
    var seen = {}, rows = [];
    (s.calls || []).forEach(function (c) {
      if (seen[c.desk] || rows.length >= 6) return;
      seen[c.desk] = true;
      var tr = document.createElement('tr');
      [labelOf(c.ticket, c.label), deskName(c.desk), clock(c.at)]
        .forEach(function (v, i) { var td = document.createElement('td'); if (i === 0) td.className = 'num'; td.textContent = v; tr.appendChild(td); });
      rows.push(tr);
    });
    body.replaceChildren.apply(body, rows);
    // After a reconnection, show the latest call without announcing what was missed.
    var latest = (s.calls || [])[0];
    if (latest && !busy && !queue.length && latest.at !== lastSeen) {
      lastSeen = latest.at;
      setNow(labelOf(latest.ticket, latest.label), latest.desk);
    }
  }

  document.addEventListener('DOMContentLoaded', function () {
    board = document.querySelector('[data-board]');
    if (!board) return;
    try { desks = JSON.parse(board.getAttribute('data-desks') || '{}'); } catch (e) { desks = {}; }
    board.querySelectorAll('[data-calls] tr[data-n]').forEach(function (tr) {
      labels[tr.getAttribute('data-n')] = tr.getAttribute('data-label');
    });
    var button = $('[data-enable-sound]');
    button.setAttribute('aria-pressed', 'false');
    button.addEventListener('click', function () {
      soundOn = !soundOn;
      button.setAttribute('aria-pressed', String(soundOn));
      if (soundOn) {
        try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); audio.resume(); } catch (e) { audio = null; }
        if (window.speechSynthesis) { speechSynthesis.getVoices(); speechSynthesis.speak(new SpeechSynthesisUtterance('')); }
        chime();
      }
    });
    window.Tickets.stream({
      state: renderState,
      queue: function (e) {
        if (e.action !== 'call_next' && e.action !== 'call_ticket' && e.action !== 'recall') return;
        lastSeen = e.at;
        queue.push({ label: labelOf(e.ticket, e.label), desk: e.desk, recall: e.action === 'recall' });
        next();
      }
    }, $('[data-connection]'));
  });
})();
