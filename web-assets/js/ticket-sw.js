/* The ticket page's service worker (scope /api/tickets/follow/): once a ticket's page has
 * been seen, it opens without the network (a basement, a lift), showing the ticket as it
 * last was. Pages are fetched from the network first and kept; the files they use are
 * kept as fetched. The event stream and the API are never kept.
 * It also shows the push notifications the holder asked for on the page (push.js): the
 * server's JSON {kind, title, body, url, tag, …}, already in the holder's language; a tap
 * opens the ticket's page, or brings it forward when it is open. */
'use strict';

var CACHE = 'tickets-follow-v1';

self.addEventListener('install', function () {
  self.skipWaiting();
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf('tickets-follow-') === 0 && n !== CACHE;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function keep(request, response) {
  if (response && response.ok && response.type === 'basic') {
    var copy = response.clone();
    caches.open(CACHE).then(function (c) { return c.put(request, copy); });
  }
  return response;
}

self.addEventListener('fetch', function (event) {
  var req = event.request;
  if (req.method !== 'GET') return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  var page = req.mode === 'navigate' && url.pathname.indexOf('/api/tickets/follow/') === 0;
  var asset = url.pathname.indexOf('/assets/') === 0;
  if (page) {
    // The network first: the page is live; the copy kept is for when there is none.
    event.respondWith(
      fetch(req).then(function (res) { return keep(req, res); }).catch(function () {
        return caches.match(req).then(function (hit) {
          return hit || Response.error();
        });
      })
    );
  } else if (asset) {
    // Versioned files do not change: the copy kept first.
    event.respondWith(
      caches.match(req).then(function (hit) {
        return hit || fetch(req).then(function (res) { return keep(req, res); });
      })
    );
  }
});

/* The words of a notification whose payload is not the server's JSON (never expected):
 * its text, under "Votre ticket" / "Your ticket" as the phone's language says. */
function fallback() {
  var en = /^en\b/i.test(self.navigator.language || '');
  return {
    title: en ? 'Your ticket' : 'Votre ticket',
    body: en ? 'Open your ticket to see where you are.' : 'Ouvrez votre ticket pour voir où vous en êtes.'
  };
}

/* A page of this server, never another site's (`url` as sent). */
function ownPage(url) {
  try {
    var u = new URL(url, self.location.origin);
    if (u.origin === self.location.origin) return u.href;
  } catch (e) { /* below */ }
  return new URL('/api/tickets/public', self.location.origin).href;
}

self.addEventListener('push', function (event) {
  var text = '';
  try { text = event.data ? event.data.text() : ''; } catch (e) { text = ''; }
  var msg = null;
  try { msg = JSON.parse(text); } catch (e) { msg = null; }
  if (!msg || typeof msg !== 'object') msg = { body: text };
  var words = fallback();
  var called = msg.kind === 'called';
  event.waitUntil(self.registration.showNotification(msg.title || words.title, {
    body: msg.body || (msg.title ? '' : words.body),
    tag: msg.tag || 'ticket',
    renotify: true,
    vibrate: called ? [400, 150, 400, 150, 400] : [200, 100, 200],
    requireInteraction: called,
    data: { url: ownPage(msg.url || '/api/tickets/public') }
  }));
});

self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  var url = ownPage((event.notification.data && event.notification.data.url) || '/api/tickets/public');
  var path = new URL(url).pathname;
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (open) {
      for (var i = 0; i < open.length; i++) {
        if (new URL(open[i].url).pathname === path && 'focus' in open[i]) return open[i].focus();
      }
      return self.clients.openWindow ? self.clients.openWindow(url) : null;
    })
  );
});
