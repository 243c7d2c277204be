// A history-API router. Routes are { path: '/offers/:id', auth, render };
// the first route whose pattern matches wins, '*' matches anything. Clicks on
// same-origin <a href> links navigate without a reload.

export function compile(path) {
  if (path === '*') return { re: /^.*$/, keys: [] };
  const keys = [];
  const src = path
    .split('/')
    .map((part) => {
      if (part.startsWith(':')) {
        keys.push(part.slice(1));
        return '([^/]+)';
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { re: new RegExp(`^${src}/?$`), keys };
}

/** match finds the route for a pathname and returns { route, params }. */
export function match(routes, pathname) {
  for (const route of routes) {
    route._c ??= compile(route.path);
    const m = route._c.re.exec(pathname);
    if (m) {
      const params = {};
      route._c.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1]);
      });
      return { route, params };
    }
  }
  return null;
}

export function createRouter(onChange) {
  function current() {
    return { pathname: location.pathname, query: Object.fromEntries(new URLSearchParams(location.search)) };
  }
  function nav(to, { replace = false } = {}) {
    const url = new URL(to, location.origin);
    if (url.origin !== location.origin) {
      location.href = url.href;
      return;
    }
    const target = url.pathname + url.search + url.hash;
    if (replace) history.replaceState(null, '', target);
    else if (target !== location.pathname + location.search + location.hash) history.pushState(null, '', target);
    onChange(current());
  }
  addEventListener('popstate', () => onChange(current()));
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest?.('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.dataset.reload != null) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || url.pathname.startsWith('/api/') || url.pathname.startsWith('/_/')) return;
    // A link to a spot on this screen (the skip link): the browser scrolls and focuses it.
    if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
    e.preventDefault();
    nav(url.pathname + url.search + url.hash);
  });
  return { nav, current };
}
