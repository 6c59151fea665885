/* tickets — shared page helpers. Pages work without JavaScript; this only adds live
 * updates: a page is fetched again and its [data-live] regions are swapped in place,
 * so every text stays rendered (and translated) by the server. */
(function () {
  'use strict';

  var parser = new DOMParser();

  /* Replaces each [data-live] region of the page with the same region of `doc`. What a
   * person is doing there survives: a region whose field has the focus waits for the next
   * update; the choices made in its fields are kept, and the focus goes back to the
   * element with the same id. */
  function swap(doc) {
    var changed = [];
    var active = document.activeElement;
    document.querySelectorAll('[data-live]').forEach(function (old) {
      var name = old.getAttribute('data-live');
      var fresh = doc.querySelector('[data-live="' + name + '"]');
      if (!fresh || fresh.outerHTML === old.outerHTML) return;
      var inside = active && active !== document.body && old.contains(active);
      if (inside && /^(SELECT|INPUT|TEXTAREA)$/.test(active.tagName)) return;
      // Keep open <details> open.
      var open = Array.prototype.map.call(old.querySelectorAll('details'), function (d) { return d.open; });
      fresh.querySelectorAll('details').forEach(function (d, i) { if (open[i]) d.open = true; });
      // Keep what a person chose in the region's fields, where the choice still exists.
      old.querySelectorAll('select[id][data-touched], input[id][data-touched]').forEach(function (field) {
        var twin = fresh.querySelector('#' + CSS.escape(field.id));
        if (!twin || twin.tagName !== field.tagName) return;
        twin.setAttribute('data-touched', '');
        if (field.type === 'checkbox' || field.type === 'radio') { twin.checked = field.checked; return; }
        if (twin.tagName === 'SELECT' && !Array.prototype.some.call(twin.options, function (o) { return o.value === field.value; })) return;
        twin.value = field.value;
      });
      old.replaceWith(fresh);
      if (inside) {
        // The same control, else the region's first button (the next ticket's "call").
        var again = (active.id && document.getElementById(active.id)) || fresh.querySelector('button:not([disabled])');
        if (again) again.focus();
      }
      changed.push(name);
    });
    return changed;
  }

  /* Fetches `url` (default: this page) and swaps its live regions, unless `stillWanted`
   * says otherwise by the time the answer arrives. Resolves to the names of the regions
   * that changed, or null when the page could not be read. */
  function refresh(url, stillWanted) {
    return fetch(url || window.location.href, {
      credentials: 'same-origin',
      headers: { 'Accept': 'text/html' },
      cache: 'no-store'
    }).then(function (res) {
      if (res.redirected && /\/api\/login/.test(res.url)) {
        window.location.reload();
        return null;
      }
      if (!res.ok) return null;
      return res.text().then(function (html) {
        if (stillWanted && !stillWanted()) return null;
        var doc = parser.parseFromString(html, 'text/html');
        document.body.classList.remove('offline');
        return swap(doc);
      });
    }).catch(function () {
      document.body.classList.add('offline');
      return null;
    });
  }

  /* Calls `fn` every `ms` milliseconds while the page is visible, and at once when it
   * becomes visible again. */
  function every(ms, fn) {
    var timer = null;
    function start() { if (!timer) timer = setInterval(fn, ms); }
    function stop() { if (timer) { clearInterval(timer); timer = null; } }
    document.addEventListener('visibilitychange', function () {
      if (document.hidden) { stop(); } else { fn(); start(); }
    });
    if (!document.hidden) start();
  }

  /* Subscribes to the server's event stream: `handlers.state(state)` on the current state
   * (first thing after every (re)connection, then after each burst of changes) and
   * `handlers.queue(event)` on each change. The browser reconnects by itself; `mark`, if
   * given, is shown while the connection is down. Falls back to refreshing the page's
   * live regions every 10 s where EventSource is missing. */
  function stream(handlers, mark) {
    if (!window.EventSource) {
      every(10000, function () { refresh(); });
      return null;
    }
    var source = new EventSource('/api/tickets/events');
    window.Tickets.source = source; // the current connection, for diagnostics
    function on(name) {
      source.addEventListener(name, function (e) {
        var data;
        try { data = JSON.parse(e.data); } catch (err) { return; }
        if (handlers[name]) handlers[name](data);
      });
    }
    on('state'); on('queue');
    // A public screen left open (kiosk, board) shows the office's name, welcome text and
    // services as they were when it loaded: it reloads when the office changes.
    var officeVersion = document.body.getAttribute('data-office-version');
    var publicScreen = /\bpage-(kiosk|display)\b/.test(document.body.className);
    var reloading = false;
    source.addEventListener('state', function (e) {
      if (!publicScreen || officeVersion === null || reloading) return;
      var data;
      try { data = JSON.parse(e.data); } catch (err) { return; }
      if (data.office_version !== undefined && String(data.office_version) !== officeVersion) {
        reloading = true;
        setTimeout(function () { window.location.reload(); }, 300);
      }
    });
    // The session of this page ended (signed out elsewhere, account disabled, password
    // changed): the server ends the stream; do not reconnect as the public.
    source.addEventListener('signed-out', function () {
      source.close();
      if (handlers['signed-out']) handlers['signed-out']();
    });
    source.onopen = function () {
      document.body.classList.remove('offline');
      if (mark) mark.hidden = true;
    };
    source.onerror = function () {
      document.body.classList.add('offline');
      if (mark) mark.hidden = false;
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(function () { stream(handlers, mark); }, 3000);
      }
    };
    return source;
  }

  /* Calls `fn` once, `ms` after the last of a burst of calls. */
  function debounce(ms, fn) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  /* Marks the fields a person changed, so that a live update keeps their choice. */
  function touched(e) {
    var t = e.target;
    if (t && /^(SELECT|INPUT|TEXTAREA)$/.test(t.tagName)) t.setAttribute('data-touched', '');
  }
  document.addEventListener('change', touched);
  document.addEventListener('input', touched);

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.js-only').forEach(function (el) { el.hidden = false; });
    document.querySelectorAll('[data-print]').forEach(function (b) {
      b.addEventListener('click', function () { window.print(); });
    });
    document.querySelectorAll('[data-return-after]').forEach(function (a) {
      var seconds = parseInt(a.getAttribute('data-return-after'), 10) || 60;
      setTimeout(function () { window.location.href = a.href; }, seconds * 1000);
    });
  });

  window.Tickets = { refresh: refresh, swap: swap, every: every, stream: stream, debounce: debounce, parser: parser };
})();
