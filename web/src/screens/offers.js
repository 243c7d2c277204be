// Offers: nearby (the home screen), search with type-ahead, an offer's
// page, the owner's moves (publish, close, renew, delete) and "my offers".
// Posting and editing are in offerForm.js.
import './offers.css';
import { h, replace, id as newId } from '../app/h.js';
import { errorMessage } from '../app/api.js';
import { noteError } from '../app/offline.js';
import { slot } from '../app/slots.js';
import { formatDate } from '../app/i18n.js';
import { offerCard, photoBox } from '../ui/offerCard.js';
import { avatar, displayName, emptyState, priceLabel, spinner, timeEl, distanceLabel } from '../ui/common.js';
import { categories, categorySelect } from '../ui/categories.js';
import { getPlace, nearParam, placePicker } from '../ui/place.js';
import { confirmDialog } from '../ui/dialog.js';
import { pagedList } from '../ui/pager.js';

export const KINDS = ['lend', 'rent', 'sell', 'give', 'swap', 'service', 'experience'];
const PAGE = 20;

/**
 * searchOffers asks /api/peerbase/offers/search, which anyone may call: it
 * lists what the records API would list to the caller, signed in or not.
 */
export async function searchOffers(ctx, params) {
  const query = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== '' && v != null));
  return ctx.pb.send('/api/peerbase/offers/search', { method: 'GET', query });
}

/**
 * searchParams is the what-and-where of a search (offers or wants): the
 * words q, the place and its radius, the kinds and the category; sorted by
 * relevance when there are words, else by distance when there is a place,
 * else newest first. Empty values are '' (searchOffers leaves them out).
 */
export function searchParams({ q = '', place, kinds, category }) {
  return {
    q,
    near: place ? nearParam(place) : '',
    radius: place?.radius || '',
    kind: [...kinds].join(','),
    category,
    sort: q ? 'relevance' : place ? 'distance' : 'newest',
  };
}

export function haversineKm(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(x)));
}

/** filtersBar: kind toggles and a category select; onChange() after each change. */
function filtersBar(ctx, state, cats, onChange) {
  const { t } = ctx;
  const catId = newId('cat');
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': t('offers.filter.kinds') },
    KINDS.map((k) =>
      h(
        'button',
        {
          type: 'button',
          class: 'chip',
          'aria-pressed': String(state.kinds.has(k)),
          onclick: (e) => {
            if (state.kinds.has(k)) state.kinds.delete(k);
            else state.kinds.add(k);
            e.currentTarget.setAttribute('aria-pressed', String(state.kinds.has(k)));
            onChange();
          },
        },
        t(`offers.kind.${k}`),
      ),
    ),
  );
  const sel = categorySelect(cats, state.category, { id: catId, name: 'category' });
  sel.addEventListener('change', () => {
    state.category = sel.value;
    onChange();
  });
  return h('div', { class: 'filters' }, chips, h('div', { class: 'field category-field' }, h('label', { for: catId }, t('offers.filter.category')), sel));
}

/**
 * resultsList runs a search with the params fn gives, shows cards and a
 * "Load more" button, and announces the count. reload() starts again.
 */
function resultsList(ctx, paramsFn, { empty }) {
  const { t } = ctx;
  const total = (res) => (typeof res.estimate === 'number' ? res.estimate : res.items.length);
  const { status, list, more, load } = pagedList(ctx, {
    list: h('ul', { class: 'grid offer-grid', 'aria-label': t('offers.results') }),
    fetchPage: (page) => searchOffers(ctx, { ...paramsFn(), limit: PAGE, ...page }),
    item: (o) => offerCard(ctx, o),
    count: (res) => (total(res) ? t('offers.count', { count: total(res) }) : ''),
    empty: (res) => (total(res) ? null : h('li', { class: 'grid-wide' }, empty())),
    lockMore: true,
  });
  return { node: h('div', { class: 'results' }, status, list, h('p', { class: 'more' }, more)), reload: () => load(true) };
}

function stateFromQuery(query) {
  return { kinds: new Set((query.kind || '').split(',').filter((k) => KINDS.includes(k))), category: query.category || '' };
}

function syncQuery(extra, state) {
  const u = new URL(location.href);
  for (const [k, v] of Object.entries({ ...extra, kind: [...state.kinds].join(','), category: state.category })) {
    if (v) u.searchParams.set(k, v);
    else u.searchParams.delete(k);
  }
  history.replaceState(null, '', u.pathname + u.search);
}

async function nearbyScreen(ctx) {
  const { t } = ctx;
  const cats = await categories().catch(() => []);
  const state = stateFromQuery(ctx.query);
  let place = getPlace(ctx.user);
  const title = h('h1');
  const setTitle = () => {
    title.textContent = place ? t('offers.nearby.titleAt', { place: place.label }) : t('offers.nearby.title');
  };
  setTitle();
  const results = resultsList(
    ctx,
    () => searchParams({ ...state, place }),
    { empty: () => emptyState(t('offers.nearby.none'), place ? t('offers.nearby.noneHint') : '', h('a', { class: 'btn btn-primary', href: '/offers/new' }, t('offers.post'))) },
  );
  // The place picker folds away once there is a place (more room for offers on a phone); it stays as the
  // person left it when they pick another place.
  const picker = h('div');
  let open = !place;
  const showPicker = () => {
    const details = h(
      'details',
      { class: 'place-details', open },
      h('summary', !place ? t('offers.search.anywhere') : place.radius ? t('offers.nearby.change', { place: place.label, km: place.radius }) : t('offers.nearby.changeAny', { place: place.label })),
      placePicker(ctx, place, (p) => {
        place = p;
        setTitle();
        showPicker();
        results.reload();
      }),
    );
    details.addEventListener('toggle', () => {
      open = details.open;
    });
    replace(picker, details);
  };
  showPicker();
  const filters = filtersBar(ctx, state, cats, () => {
    syncQuery({}, state);
    results.reload();
  });
  results.reload();
  return h(
    'section',
    { class: 'screen' },
    h('div', { class: 'screen-head' }, title, h('a', { class: 'btn btn-primary', href: '/offers/new' }, t('offers.post'))),
    picker,
    filters,
    results.node,
  );
}

/**
 * searchBox is an ARIA 1.2 combobox: typing suggests offer titles (the
 * search route's prefix match), arrows move, Enter opens the active one or
 * searches, Escape closes the list.
 */
function searchBox(ctx, initial, onSearch) {
  const { t } = ctx;
  const inputId = newId('q');
  const listId = newId('suggest');
  const input = h('input', {
    id: inputId,
    name: 'q',
    type: 'search',
    value: initial,
    role: 'combobox',
    autocomplete: 'off',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    enterkeyhint: 'search',
    maxlength: 200,
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'suggestions', 'aria-label': t('offers.search.suggestions'), hidden: true });
  let items = [];
  let active = -1;
  let timer = null;
  let token = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const setActive = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute('aria-selected', String(j === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', list.children[i].id);
    else input.removeAttribute('aria-activedescendant');
  };
  const suggest = async () => {
    const q = input.value.trim();
    const mine = ++token;
    if (q.length < 2) {
      close();
      return;
    }
    try {
      const place = getPlace(ctx.user);
      const res = await ctx.pb.send('/api/peerbase/offers/search', { method: 'GET', query: { q, limit: 6, near: place ? nearParam(place) : undefined } });
      if (mine !== token) return;
      items = res.items;
      replace(list, items.map((o, i) => h('li', { id: `${listId}-${i}`, role: 'option', 'aria-selected': 'false', onmousedown: (e) => e.preventDefault(), onclick: () => ctx.nav(`/offers/${o.id}`) }, o.title, h('span', { class: 'muted' }, ` · ${t(`offers.kind.${o.kind}`)}`))));
      list.hidden = items.length === 0;
      input.setAttribute('aria-expanded', String(items.length > 0));
      active = -1;
    } catch (err) {
      noteError(err);
      close();
    }
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 200);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute('aria-expanded', 'true');
      }
      setActive((active + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length && !list.hidden) {
      e.preventDefault();
      setActive(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Escape' && !list.hidden) {
      e.preventDefault();
      close();
    } else if (e.key === 'Enter' && active >= 0 && !list.hidden) {
      e.preventDefault();
      ctx.nav(`/offers/${items[active].id}`);
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  const form = h(
    'form',
    { class: 'search-form', role: 'search' },
    h('label', { for: inputId }, t('offers.search.label')),
    h('div', { class: 'search-row' }, h('div', { class: 'combo' }, input, list), h('button', { type: 'submit', class: 'btn btn-primary' }, t('offers.search.submit'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(timer);
    token++;
    close();
    onSearch(input.value.trim());
  });
  ctx.onCleanup(() => clearTimeout(timer));
  return form;
}

async function searchScreen(ctx) {
  const { t } = ctx;
  const state = stateFromQuery(ctx.query);
  let q = ctx.query.q || '';
  let place = getPlace(ctx.user);
  const cats = await categories().catch(() => []);
  const body = h('div');
  const results = resultsList(
    ctx,
    () => searchParams({ ...state, q, place }),
    { empty: () => emptyState(t('offers.search.none'), t('offers.search.noneHint')) },
  );
  const run = () => {
    syncQuery({ q }, state);
    replace(body, results.node);
    results.reload();
  };
  const picker = h('div');
  let open = false;
  const showPicker = () => {
    const details = h('details', { class: 'place-details', open }, h('summary', place ? t('offers.search.near', { place: place.label }) : t('offers.search.anywhere')), placePicker(ctx, place, (p) => {
      place = p;
      showPicker();
      run();
    }));
    details.addEventListener('toggle', () => {
      open = details.open;
    });
    replace(picker, details);
  };
  showPicker();
  const node = h(
    'section',
    { class: 'screen' },
    h('h1', t('offers.search.title')),
    searchBox(ctx, q, (value) => {
      q = value;
      run();
    }),
    picker,
    filtersBar(ctx, state, cats, run),
    body,
  );
  run();
  return node;
}

/** ownerActions: the owner's moves on an offer, by status. */
function ownerActions(ctx, offer, refresh) {
  const { t, pb } = ctx;
  const act = (fn, done) => async (e) => {
    const btn = e.currentTarget || e.target;
    btn.disabled = true;
    try {
      await fn();
      ctx.toast(done, 'success');
      refresh();
    } catch (err) {
      noteError(err);
      ctx.toast(errorMessage(err, t), 'error');
      btn.disabled = false;
    }
  };
  const setStatus = (status) => pb.collection('offers').update(offer.id, { status });
  const renew = () => pb.send(`/api/peerbase/offers/${encodeURIComponent(offer.id)}/renew`, { method: 'POST' });
  const buttons = [h('a', { class: 'btn', href: `/offers/${offer.id}/edit` }, t('offers.edit'))];
  if (offer.status === 'draft') buttons.push(h('button', { type: 'button', class: 'btn btn-primary', onclick: act(() => setStatus('active'), t('offers.published')) }, t('offers.publish')));
  if (offer.status === 'active' || offer.status === 'reserved') {
    buttons.push(h('button', { type: 'button', class: 'btn', onclick: act(renew, t('offers.renewed')) }, t('offers.renew')));
  }
  if (offer.status === 'active') {
    buttons.push(
      h('button', {
        type: 'button',
        class: 'btn btn-danger',
        onclick: async (e) => {
          const target = e.currentTarget;
          if (await confirmDialog({ title: t('offers.closeConfirm.title'), body: t('offers.closeConfirm.body'), confirm: t('offers.close') })) act(() => setStatus('closed'), t('offers.closed'))({ target });
        },
      }, t('offers.close')),
    );
  }
  if (offer.status === 'closed') {
    buttons.push(h('button', { type: 'button', class: 'btn btn-primary', onclick: act(() => (offer.expired ? renew() : setStatus('active')), t('offers.reopened')) }, t('offers.reopen')));
  }
  if (offer.status === 'draft' || offer.status === 'closed') {
    buttons.push(
      h('button', {
        type: 'button',
        class: 'btn btn-danger',
        onclick: async (e) => {
          const btn = e.currentTarget;
          if (!(await confirmDialog({ title: t('offers.deleteConfirm.title'), body: t('offers.deleteConfirm.body'), confirm: t('app.delete'), danger: true }))) return;
          btn.disabled = true;
          try {
            await pb.collection('offers').delete(offer.id);
            ctx.toast(t('offers.deleted'), 'success');
            ctx.nav('/me/offers', { replace: true });
          } catch (err) {
            noteError(err);
            ctx.toast(errorMessage(err, t), 'error');
            btn.disabled = false;
          }
        },
      }, t('app.delete')),
    );
  }
  return h('div', { class: 'row owner-actions', role: 'group', 'aria-label': t('offers.yourMoves') }, buttons);
}

function gallery(ctx, offer) {
  const { t } = ctx;
  const photos = offer.photos || [];
  const n = photos.length;
  const main = h('div', { class: 'gallery-main' });
  const show = (i) => {
    replace(main, photoBox(offer, photos[i], { thumb: '1024x0', limits: { min: 0.6, max: 2 }, alt: n ? t('offers.photoAlt', { title: offer.title, n: i + 1, m: n }) : '', eager: true }));
    thumbs?.querySelectorAll('button').forEach((b, j) => b.setAttribute('aria-pressed', String(i === j)));
  };
  const thumbs =
    n > 1
      ? h(
          'ul',
          { class: 'gallery-thumbs', 'aria-label': t('offers.photos') },
          photos.map((p, i) =>
            h('li', h('button', { type: 'button', class: 'thumb', 'aria-label': t('offers.photoN', { n: i + 1, m: n }), 'aria-pressed': String(i === 0), onclick: () => show(i) }, photoBox(offer, p, { thumb: '240x240', limits: { min: 1, max: 1 } }))),
          ),
        )
      : null;
  show(0);
  return h('div', { class: 'gallery' }, main, thumbs);
}

async function offerScreen(ctx) {
  const { t, pb, params } = ctx;
  const wrap = h('div');
  async function load() {
    const offer = await pb.collection('offers').getOne(params.id, { expand: 'owner,category' });
    const owner = offer.expand?.owner;
    const mine = ctx.user && offer.owner === ctx.user.id;
    const place = getPlace(ctx.user);
    const dist = place && offer.location && (offer.location.lat || offer.location.lon) ? distanceLabel(haversineKm(place, offer.location)) : '';
    const tags = Array.isArray(offer.tags) ? offer.tags : [];
    const actions = slot('offer.actions', ctx, offer);
    const node = h(
      'article',
      { class: 'screen offer-detail' },
      h('p', h('a', { href: '/', class: 'back-link' }, `← ${t('offers.back')}`)),
      h(
        'div',
        { class: 'offer-layout' },
        gallery(ctx, offer),
        h(
          'div',
          { class: 'offer-info stack' },
          h('h1', offer.title),
          h(
            'p',
            { class: 'offer-card-meta' },
            h('span', { class: 'tag' }, t(`offers.kind.${offer.kind}`)),
            priceLabel(offer) ? h('span', { class: 'offer-price big' }, priceLabel(offer)) : null,
            offer.status !== 'active' ? h('span', { class: 'tag tag-muted' }, t(`offers.status.${offer.status}`)) : null,
            offer.expired ? h('span', { class: 'tag tag-muted' }, t('offers.expired')) : null,
          ),
          h(
            'dl',
            { class: 'facts' },
            offer.expand?.category ? [h('dt', t('offers.category')), h('dd', offer.expand.category.name)] : null,
            dist ? [h('dt', t('offers.distance')), h('dd', t('offers.away', { distance: dist }))] : null,
            [h('dt', t('offers.posted')), h('dd', timeEl(offer.created))],
            offer.expires_at ? [h('dt', t('offers.expires')), h('dd', formatDate(offer.expires_at))] : null,
          ),
          mine ? ownerActions(ctx, offer, reload) : null,
          !mine
            ? h(
                'div',
                { class: 'row offer-actions' },
                ctx.user
                  ? h('a', { class: 'btn btn-primary', href: `/threads/new?offer=${encodeURIComponent(offer.id)}` }, t('offers.message'))
                  : h('a', { class: 'btn btn-primary', href: `/signin?next=${encodeURIComponent(`/offers/${offer.id}`)}` }, t('offers.signInToMessage')),
                actions,
              )
            : actions
              ? h('div', { class: 'row offer-actions' }, actions)
              : null,
          owner
            ? h(
                'a',
                { class: 'owner card', href: `/people/${owner.id}` },
                avatar(owner, 48),
                h(
                  'span',
                  { class: 'owner-text' },
                  h('strong', displayName(owner)),
                  h('span', { class: 'muted' }, owner.rating_count ? t('offers.rating', { avg: owner.rating_avg.toFixed(1), count: owner.rating_count }) : t('offers.noRating')),
                ),
              )
            : null,
        ),
      ),
      offer.description ? h('section', { class: 'stack' }, h('h2', t('offers.description')), h('p', { class: 'prewrap' }, offer.description)) : null,
      offer.wants_in_return ? h('section', { class: 'stack' }, h('h2', t('offers.wantsInReturn')), h('p', { class: 'prewrap' }, offer.wants_in_return)) : null,
      tags.length ? h('ul', { class: 'row tags', 'aria-label': t('offers.tags') }, tags.map((tag) => h('li', h('a', { class: 'tag tag-muted', href: `/search?q=${encodeURIComponent(tag)}` }, `#${tag}`)))) : null,
    );
    return node;
  }
  async function reload() {
    try {
      const node = await load();
      replace(wrap, node);
    } catch (err) {
      noteError(err);
      ctx.toast(errorMessage(err, t), 'error');
    }
  }
  try {
    replace(wrap, await load());
  } catch (err) {
    if (err?.status === 404) {
      return h('section', { class: 'screen empty' }, h('h1', t('offers.notFound')), h('p', t('offers.notFoundBody')), h('p', h('a', { class: 'btn btn-primary', href: '/' }, t('app.notFound.home'))));
    }
    throw err;
  }
  return wrap;
}

const STATUSES = ['draft', 'active', 'reserved', 'closed', 'hidden'];

async function myOffersScreen(ctx) {
  const { t, pb, user } = ctx;
  let status = STATUSES.includes(ctx.query.status) ? ctx.query.status : '';
  const list = h('ul', { class: 'grid offer-grid', 'aria-label': t('me.offers') });
  const info = h('p', { class: 'muted', role: 'status' });
  async function load() {
    replace(list, h('li', spinner()));
    const filter = status ? pb.filter('owner = {:me} && status = {:s}', { me: user.id, s: status }) : pb.filter('owner = {:me}', { me: user.id });
    const res = await pb.collection('offers').getList(1, 100, { filter, sort: '-created' });
    replace(list, res.items.map((o) => h('li', offerCard(ctx, o, { showStatus: true }))));
    info.textContent = t('offers.count', { count: res.totalItems });
    if (!res.items.length) list.append(h('li', { class: 'grid-wide' }, emptyState(t('offers.mine.none'), '', h('a', { class: 'btn btn-primary', href: '/offers/new' }, t('offers.post')))));
  }
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': t('offers.filter.status') },
    ['', ...STATUSES.slice(0, 4)].map((s) =>
      h('button', {
        type: 'button',
        class: 'chip',
        'aria-pressed': String(status === s),
        onclick: (e) => {
          status = s;
          for (const b of chips.children) b.setAttribute('aria-pressed', String(b === e.currentTarget));
          load().catch((err) => {
            noteError(err);
            info.textContent = errorMessage(err, t);
          });
        },
      }, s ? t(`offers.status.${s}`) : t('offers.filter.all')),
    ),
  );
  await load();
  return h('section', { class: 'screen' }, h('div', { class: 'screen-head' }, h('h1', t('me.offers')), h('a', { class: 'btn btn-primary', href: '/offers/new' }, t('offers.post'))), chips, info, list);
}

export const routes = [
  { path: '/', render: nearbyScreen },
  { path: '/search', render: searchScreen },
  { path: '/me/offers', auth: true, render: myOffersScreen },
  { path: '/offers/:id', render: offerScreen },
];
