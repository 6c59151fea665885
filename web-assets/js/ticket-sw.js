/* The ticket page's service worker (scope /api/tickets/follow/): once a ticket's page has
 * been seen, it opens without the network (a basement, a lift), showing the ticket as it
 * last was. Pages are fetched from the network first and kept; the files they use are
 * kept as fetched. The event stream and the API are never kept. */
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
