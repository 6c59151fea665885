/* The ticket page's push notifications (the holder's page, ticket waiting): one tap asks
 * the browser's permission, subscribes this phone to the browser's push service with the
 * server's key (GET /api/push/key) through the page's service worker (ticket-sw.js, which
 * shows what arrives), and gives the subscription to the server with the ticket and its
 * holder's key (POST /api/push/subscriptions). The choice is remembered per ticket
 * (localStorage), so the page opened again says it is on; "turn off" tells the server
 * (DELETE) and drops the subscription unless another ticket of this phone uses it.
 * Where the browser refuses or cannot, the block says plainly that nothing will come with
 * the page closed, and the open page's own alerts (follow.js) are armed instead. */
(function () {
  'use strict';
  var STORE = 'tickets-push';
  var box, status, how, what, onButton, offButton, day, n, key;

  function t(name) { return box.getAttribute('data-t-' + name) || ''; }

  function supported() {
    return window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && !!window.Notification;
  }

  /* The texts that say no notification will come: "keep this page open" follows. */
  var PAGE_OPEN = { off: 1, refused: 1, dismissed: 1, unsupported: 1, failed: 1 };
  /* The status line's colour (data-tone): green when on, amber when something failed or
   * nothing will come. */
  var TONE = {
    on: 'ok', refused: 'warn', dismissed: 'warn', unsupported: 'warn', failed: 'warn',
    network: 'warn', gone: 'warn', 'off-failed': 'warn'
  };

  /* state: offer (the button), busy, on, busy-off, warn (the button and a warning), gone
   * (a warning, no button), refused, unsupported (a warning, nothing to press); text: the
   * name of the status line's text (data-t-<text>), if any. */
  function show(state, text) {
    var hadFocus = box.contains(document.activeElement) && document.activeElement !== status;
    box.setAttribute('data-state', state);
    box.setAttribute('data-tone', (text && TONE[text]) || '');
    status.replaceChildren();
    if (text) {
      var main = document.createElement('strong');
      main.textContent = t(text);
      status.appendChild(main);
      if (PAGE_OPEN[text]) status.appendChild(document.createTextNode(' ' + t('page-open')));
    }
    var offering = state === 'offer' || state === 'busy' || state === 'warn';
    what.hidden = !(offering || state === 'on' || state === 'busy-off');
    onButton.hidden = !offering;
    onButton.disabled = state === 'busy';
    onButton.setAttribute('aria-busy', String(state === 'busy'));
    offButton.hidden = !(state === 'on' || state === 'busy-off');
    offButton.disabled = state === 'busy-off';
    how.hidden = state !== 'refused';
    how.textContent = state === 'refused' ? t('refused-how') : '';
    // The button pressed is gone or disabled: the focus goes to what happened.
    var now = document.activeElement;
    if (hadFocus && (!now || now === document.body || now.hidden || now.disabled)) status.focus();
  }

  /* What this phone has subscribed, per ticket: {"<day>/<n>": endpoint}; older days'
   * tickets are forgotten. */
  function saved() {
    var all = {};
    try { all = JSON.parse(localStorage.getItem(STORE) || '{}') || {}; } catch (e) { all = {}; }
    Object.keys(all).forEach(function (k) { if (k.slice(0, 10) < day) delete all[k]; });
    return all;
  }
  function save(endpoint) {
    var all = saved();
    if (endpoint) all[day + '/' + n] = endpoint; else delete all[day + '/' + n];
    try { localStorage.setItem(STORE, JSON.stringify(all)); } catch (e) { /* private mode */ }
  }
  function othersUse(endpoint) {
    var all = saved();
    return Object.keys(all).some(function (k) { return k !== day + '/' + n && all[k] === endpoint; });
  }

  /* The page's service worker (follow.js registers it), within 10 s. */
  function registration() {
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () { reject(new Error('no service worker')); }, 10000);
      navigator.serviceWorker.ready.then(function (r) { clearTimeout(timer); resolve(r); }, reject);
    });
  }

  /* Notification.requestPermission, promise or (older Safari) callback. */
  function askPermission() {
    return new Promise(function (resolve) {
      var p = Notification.requestPermission(resolve);
      if (p && p.then) p.then(resolve, function () { resolve('default'); });
    });
  }

  /* An API call: resolves to the JSON answer; rejects with {status, code} on an HTTP
   * error, or with {network: true} without network. */
  function api(method, path, body) {
    var init = { method: method, credentials: 'same-origin', headers: { 'Accept': 'application/json' } };
    if (body) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).catch(function () { throw { network: true }; }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (json) {
        if (!res.ok) throw { status: res.status, code: json.error };
        return json;
      });
    });
  }

  /* base64url (no padding) to bytes. */
  function bytes(b64) {
    var s = atob(b64.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((b64.length + 3) % 4));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function sameKey(sub, key) {
    var had = sub.options && sub.options.applicationServerKey;
    if (!had) return true;
    had = new Uint8Array(had);
    if (had.length !== key.length) return false;
    for (var i = 0; i < key.length; i++) if (had[i] !== key[i]) return false;
    return true;
  }

  /* This phone's subscription with the server's key: the one it has, else a new one. */
  function subscribe(reg, appKey) {
    return reg.pushManager.getSubscription().then(function (sub) {
      if (sub && sameKey(sub, appKey)) return sub;
      // Made with another key (the server's changed): it can no longer be used.
      return (sub ? sub.unsubscribe() : Promise.resolve()).then(function () {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: appKey });
      });
    });
  }

  function failure(err) {
    if (err && err.network) return ['warn', 'network'];
    if (err && err.status === 409) return ['gone', 'gone'];
    if (err && err.name === 'NotAllowedError') return ['refused', 'refused'];
    return ['warn', 'failed'];
  }

  function turnOn() {
    // The open page's own alerts, armed within the tap (sound needs one).
    if (window.Tickets && window.Tickets.alerts) window.Tickets.alerts.arm();
    show('busy', 'busy');
    askPermission().then(function (permission) {
      if (permission === 'denied') { show('refused', 'refused'); return null; }
      if (permission !== 'granted') { show('warn', 'dismissed'); return null; }
      return Promise.all([registration(), api('GET', '/api/push/key')]).then(function (both) {
        return subscribe(both[0], bytes(both[1].public_key));
      }).then(function (sub) {
        return api('POST', '/api/push/subscriptions', {
          day: day,
          ticket: n,
          key: key,
          subscription: sub.toJSON(),
          lang: document.documentElement.lang
        }).then(function () {
          save(sub.endpoint);
          show('on', 'on');
        });
      });
    }).catch(function (err) {
      var f = failure(err);
      show(f[0], f[1]);
    });
  }

  function turnOff() {
    show('busy-off', 'busy-off');
    registration().then(function (reg) { return reg.pushManager.getSubscription(); }, function () { return null; })
      .then(function (sub) {
        var endpoint = sub ? sub.endpoint : saved()[day + '/' + n];
        var told = endpoint
          ? api('DELETE', '/api/push/subscriptions', { day: day, ticket: n, key: key, endpoint: endpoint })
            .catch(function (err) {
              // The ticket is gone or no longer waits: nothing left to turn off there.
              if (err && (err.status === 404 || err.status === 409)) return null;
              throw err;
            })
          : Promise.resolve(null);
        return told.then(function () {
          save(null);
          if (sub && !othersUse(sub.endpoint)) return sub.unsubscribe();
          return null;
        });
      })
      .then(function () { show('offer', 'off'); }, function () { show('on', 'off-failed'); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    box = document.querySelector('[data-push]');
    var card = document.querySelector('[data-ticket]');
    if (!box || !card) return;
    status = box.querySelector('[data-push-status]');
    how = box.querySelector('[data-push-how]');
    what = box.querySelector('[data-push-what]');
    onButton = box.querySelector('[data-push-on]');
    offButton = box.querySelector('[data-push-off]');
    day = card.getAttribute('data-day');
    n = parseInt(card.getAttribute('data-ticket'), 10);
    key = box.getAttribute('data-key');
    box.hidden = false;
    if (!supported()) { show('unsupported', 'unsupported'); return; }
    if (Notification.permission === 'denied') { show('refused', 'refused'); return; }
    onButton.addEventListener('click', turnOn);
    offButton.addEventListener('click', turnOff);
    var endpoint = saved()[day + '/' + n];
    if (endpoint && Notification.permission === 'granted') {
      show('on', 'on');
      // Still so? (The browser may have dropped the subscription.)
      registration().then(function (reg) { return reg.pushManager.getSubscription(); }).then(function (sub) {
        if (!sub || sub.endpoint !== endpoint) { save(null); show('offer'); }
      }, function () { /* no answer: keep what was said */ });
    } else {
      if (endpoint) save(null);
      show('offer');
    }
  });
})();
