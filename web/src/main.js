// The entry point: builds the shell (skip link, offline banner, nav, main),
// routes between the screens, registers the service worker, and exposes a
// little of itself as window.peerbase for tests and app builders.
import './app/app.css';
import { h, replace } from './app/h.js';
import { pb, currentUser, errorMessage, isNetworkError } from './app/api.js';
import { createRouter, match } from './app/router.js';
import { t, initLanguage, onLanguageChange, getLanguage, pickLanguage } from './app/i18n.js';
import { toast } from './app/toast.js';
import { initOffline, isOffline, onOfflineChange, noteError } from './app/offline.js';
import { slot } from './app/slots.js';
import { icon } from './app/icons.js';
import { registerServiceWorker, savePushSubscription } from './app/push.js';
import { screens } from './screens/index.js';
import * as notFound from './screens/notfound.js';

// Routes: every screen's, the more specific first (fewer :params), '*' last.
const paramCount = (p) => (p === '*' ? Infinity : (p.match(/:/g) || []).length);
const routes = [...screens.flatMap((s) => s.routes || []), ...notFound.routes]
  .map((r, i) => ({ r, i }))
  .sort((a, b) => paramCount(a.r.path) - paramCount(b.r.path) || a.i - b.i)
  .map(({ r }) => r);

const navItems = [
  { key: 'nearby', href: '/', label: 'app.nav.nearby' },
  { key: 'search', href: '/search', label: 'app.nav.search' },
  { key: 'post', href: '/offers/new', label: 'app.nav.post' },
  { key: 'messages', href: '/threads', label: 'app.nav.messages', badge: 'threads' },
  { key: 'wants', href: '/wants', label: 'app.nav.wants' },
  { key: 'notifications', href: '/notifications', label: 'app.nav.notifications', badge: 'notifications' },
  { key: 'me', href: '/me', label: 'app.nav.me' },
];

const banner = h('div', { class: 'offline-banner', role: 'status', 'aria-live': 'polite' });
const nav = h('nav', { class: 'nav', 'aria-label': '' });
const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
const skip = h('a', { class: 'skip-link', href: '#main' });
let navCleanups = [];
let screenCleanups = [];
let renderToken = 0;
let firstRender = true;

function runAll(list) {
  for (const fn of list.splice(0)) {
    try {
      fn();
    } catch (err) {
      console.error(err);
    }
  }
}

function baseCtx(cleanups) {
  return {
    pb,
    t,
    h,
    toast,
    nav: (to, opts) => router.nav(to, opts),
    onCleanup: (fn) => cleanups.push(fn),
    user: currentUser(),
  };
}

function renderNav() {
  runAll(navCleanups);
  nav.setAttribute('aria-label', t('app.nav.label'));
  const ctx = baseCtx(navCleanups);
  const brand = h('a', { class: 'brand', href: '/' }, h('img', { src: '/icons/icon.svg', alt: '', width: 28, height: 28 }), h('span', 'Peerbase'));
  const list = h(
    'ul',
    { class: 'nav-list' },
    navItems.map((item) =>
      h(
        'li',
        h(
          'a',
          { class: 'nav-link', href: item.href, dataset: { nav: item.key } },
          icon(item.key),
          h('span', { class: 'nav-text' }, t(item.label)),
          item.badge ? slot('nav.badges', ctx, item.badge) : null,
        ),
      ),
    ),
  );
  replace(nav, brand, list);
  markCurrentNav();
}

function markCurrentNav() {
  const path = location.pathname;
  for (const a of nav.querySelectorAll('a.nav-link')) {
    const href = a.getAttribute('href');
    const on = href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
    if (on) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function renderBanner() {
  const off = isOffline();
  document.body.classList.toggle('is-offline', off);
  banner.hidden = !off;
  replace(banner, off ? t('app.offline') : '');
}

async function show({ pathname, query }) {
  const token = ++renderToken;
  runAll(screenCleanups);
  const found = match(routes, pathname);
  const { route, params } = found;
  if (route.auth && !currentUser()) {
    router.nav(`/signin?next=${encodeURIComponent(pathname + location.search)}`, { replace: true });
    return;
  }
  markCurrentNav();
  const cleanups = screenCleanups;
  const ctx = { ...baseCtx(cleanups), params, query, route };
  main.setAttribute('aria-busy', 'true');
  replace(main, h('p', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('app.loading')));
  let node;
  try {
    node = await route.render(ctx);
  } catch (err) {
    noteError(err);
    console.error(err);
    node = h(
      'section',
      { class: 'screen' },
      h('h1', isNetworkError(err) ? t('app.error.offlineTitle') : t('app.error.title')),
      h('p', errorMessage(err, t)),
      h('p', h('a', { class: 'btn', href: pathname + location.search, dataset: { reload: '' } }, t('app.retry'))),
    );
  }
  if (token !== renderToken) return; // a later navigation won
  main.removeAttribute('aria-busy');
  replace(main, node);
  const h1 = main.querySelector('h1');
  document.title = h1 ? `${h1.textContent} · Peerbase` : 'Peerbase';
  if (!firstRender) main.focus({ preventScroll: true });
  firstRender = false;
  scrollTo(0, 0);
}

function refresh() {
  renderNav();
  renderBanner();
  skip.textContent = t('app.skip');
  show(router.current());
}

const router = createRouter(show);

function start() {
  initLanguage(currentUser());
  initOffline();
  const root = document.getElementById('app');
  replace(root, skip, banner, h('div', { class: 'layout' }, nav, main));
  onOfflineChange(renderBanner);
  onLanguageChange(refresh);
  let lastUserId = currentUser()?.id ?? '';
  pb.authStore.onChange(() => {
    const user = currentUser();
    const lang = pickLanguage(user?.locale);
    if (lang && lang !== getLanguage()) initLanguage(user); // re-renders through onLanguageChange
    if ((user?.id ?? '') !== lastUserId) {
      lastUserId = user?.id ?? '';
      renderNav();
    }
  });
  refresh();
  registerServiceWorker(router);
  // Refresh the stored session so that a deleted or changed account shows.
  if (pb.authStore.isValid) {
    pb.collection('users')
      .authRefresh()
      .catch((err) => {
        noteError(err);
        if (err?.status === 401 || err?.status === 404) pb.authStore.clear();
      });
  }
}

window.peerbase = { pb, nav: (to) => router.nav(to), savePushSubscription, t };
start();
