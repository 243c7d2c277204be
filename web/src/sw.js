// The service worker: keeps the app shell (index.html, app.js, app.css,
// manifest, icons) in a cache named after the build's hash, so the app loads
// offline; keeps photos it has shown; shows Web Push notifications and opens
// the screen a tapped one points to. API calls are never cached here.
/* global __SHELL_VERSION__, __SHELL_FILES__ */

const SHELL = `peerbase-shell-${__SHELL_VERSION__}`;
const FILES = 'peerbase-files-v1';
const SHELL_FILES = __SHELL_FILES__;
const MAX_FILES = 200;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll(SHELL_FILES.map((u) => new Request(u, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('peerbase-shell-') && k !== SHELL).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/files/')) {
    event.respondWith(cacheFirst(req, FILES, true));
    return;
  }
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return;
  if (req.mode === 'navigate') {
    // The network first (a new version shows at once), the cached shell offline.
    event.respondWith(fetch(req).catch(() => caches.match('/', { cacheName: SHELL }).then((res) => res || Response.error())));
    return;
  }
  event.respondWith(cacheFirst(req, SHELL, false));
});

// Cached responses are matched on the URL alone (ignoreVary): the server
// answers every file with "Vary: Origin" (PocketBase's CORS middleware), and
// the browser may send an Origin header with a same-origin request (Chromium
// does with the page's module script, <script type="module" src="/app.js">)
// while the shell was cached from requests without one; honouring Vary then
// misses the cache and the app cannot start offline. The worker only handles
// this origin's requests, whose responses do not depend on Origin.
async function cacheFirst(req, name, store) {
  const cache = await caches.open(name);
  const hit = await cache.match(req, { ignoreVary: true });
  if (hit) return hit;
  const res = await fetch(req);
  if (store && res.ok) {
    cache.put(req, res.clone());
    trim(cache);
  }
  return res;
}

async function trim(cache) {
  const keys = await cache.keys();
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_FILES))) await cache.delete(k);
}

self.addEventListener('push', (event) => {
  let p = {};
  try {
    p = event.data ? event.data.json() : {};
  } catch {
    p = { body: event.data ? event.data.text() : '' };
  }
  const title = p.title || 'Peerbase';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: p.body || '',
      tag: p.tag || p.type || undefined,
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      data: { url: safeUrl(p.url) },
    }),
  );
});

// safeUrl keeps a payload URL on this origin: '/threads/abc' or an absolute
// URL of this site; anything else opens the home screen.
function safeUrl(u) {
  try {
    const url = new URL(u || '/', self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search + url.hash : '/';
  } catch {
    return '/';
  }
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = safeUrl(event.notification.data?.url);
  event.waitUntil(
    self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
      const client = list.find((c) => new URL(c.url).origin === self.location.origin);
      if (client) {
        client.postMessage({ type: 'navigate', url });
        return client.focus();
      }
      return self.clients.openWindow(url);
    }),
  );
});
