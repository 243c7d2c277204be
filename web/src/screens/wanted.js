// "Wanted near me": public wanted posts around a place (the wants search
// route), with kind and category filters; each links to its author and to
// posting an offer for it.
import { h, replace, id as newId } from '../app/h.js';
import { formatNumber } from '../app/i18n.js';
import { avatar, displayName, distanceLabel, emptyState, timeEl } from '../ui/common.js';
import { categories, categorySelect } from '../ui/categories.js';
import { getPlace, placePicker } from '../ui/place.js';
import { highlightNodes } from '../ui/offerCard.js';
import { pagedList } from '../ui/pager.js';
import { KINDS, searchParams } from './offers.js';

function wantCard(ctx, w) {
  const { t } = ctx;
  const owner = w.expand?.owner;
  const kinds = Array.isArray(w.kinds) ? w.kinds : [];
  const dist = distanceLabel(w.distance_km);
  const mine = ctx.user && w.owner === ctx.user.id;
  return h(
    'article',
    { class: 'card want-card stack', dataset: { want: w.id } },
    h('h2', { class: 'offer-card-title' }, w.query || w.expand?.category?.name || t('wanted.untitled')),
    h(
      'p',
      { class: 'offer-card-meta' },
      kinds.length ? kinds.map((k) => h('span', { class: 'tag' }, t(`offers.kind.${k}`))) : h('span', { class: 'tag tag-muted' }, t('wanted.anyKind')),
      w.max_price ? h('span', t('wanted.maxPrice', { price: formatNumber(w.max_price) })) : null,
      dist ? h('span', { class: 'muted' }, t('offers.away', { distance: dist })) : null,
      w.expand?.category ? h('span', { class: 'muted' }, w.expand.category.name) : null,
    ),
    w.highlight ? h('p', { class: 'offer-card-highlight muted' }, highlightNodes(w.highlight)) : null,
    h(
      'div',
      { class: 'row want-foot' },
      owner ? h('a', { class: 'row owner-mini', href: `/people/${owner.id}` }, avatar(owner, 32), h('span', displayName(owner))) : null,
      h('span', { class: 'muted' }, timeEl(w.created)),
      !mine ? h('a', { class: 'btn btn-small btn-primary', href: `/offers/new?title=${encodeURIComponent(w.query || '')}` }, t('wanted.offer')) : null,
    ),
  );
}

async function wantedScreen(ctx) {
  const { t, pb } = ctx;
  const cats = await categories().catch(() => []);
  let place = getPlace(ctx.user);
  const state = { kinds: new Set(), category: '', q: ctx.query.q || '' };
  const { status, list, more, load } = pagedList(ctx, {
    list: h('ul', { class: 'list', 'aria-label': t('wanted.results') }),
    fetchPage: (page) => pb.send('/api/peerbase/wants/search', {
      method: 'GET',
      query: Object.fromEntries(
        Object.entries({ ...searchParams({ ...state, place }), limit: 20, ...page, expand: 'owner,category' }).filter(([, v]) => v !== ''),
      ),
    }),
    item: (w) => wantCard(ctx, w),
    count: (res) => (res.estimate ? t('wanted.count', { count: res.estimate }) : ''),
    empty: (res) => (res.items.length ? null : h('li', emptyState(t('wanted.none'), t('wanted.noneHint')))),
  });
  const picker = h('div');
  const title = h('h1');
  const setTitle = () => {
    title.textContent = place ? t('wanted.titleAt', { place: place.label }) : t('wanted.title');
  };
  setTitle();
  const showPicker = () => replace(picker, placePicker(ctx, place, (p) => {
    place = p;
    setTitle();
    showPicker();
    load(true);
  }));
  showPicker();
  const catId = newId('wcat');
  const qId = newId('wq');
  const sel = categorySelect(cats, '', { id: catId });
  sel.addEventListener('change', () => {
    state.category = sel.value;
    load(true);
  });
  const qInput = h('input', { id: qId, type: 'search', value: state.q, maxlength: 200 });
  const qForm = h('form', { class: 'search-form', role: 'search' }, h('label', { for: qId }, t('wanted.words')), h('div', { class: 'search-row' }, qInput, h('button', { type: 'submit', class: 'btn' }, t('offers.search.submit'))));
  qForm.addEventListener('submit', (e) => {
    e.preventDefault();
    state.q = qInput.value.trim();
    load(true);
  });
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': t('offers.filter.kinds') },
    KINDS.map((k) => h('button', { type: 'button', class: 'chip', 'aria-pressed': 'false', onclick: (e) => {
      if (state.kinds.has(k)) state.kinds.delete(k);
      else state.kinds.add(k);
      e.currentTarget.setAttribute('aria-pressed', String(state.kinds.has(k)));
      load(true);
    } }, t(`offers.kind.${k}`))),
  );
  load(true);
  return h(
    'section',
    { class: 'screen' },
    h('div', { class: 'screen-head' }, title, h('a', { class: 'btn', href: '/wants/new' }, t('wanted.post'))),
    h('p', { class: 'muted' }, t('wanted.intro')),
    picker,
    qForm,
    h('div', { class: 'filters' }, chips, h('div', { class: 'field category-field' }, h('label', { for: catId }, t('offers.filter.category')), sel)),
    status,
    list,
    h('p', { class: 'more' }, more),
  );
}

export const routes = [{ path: '/wanted', auth: true, render: wantedScreen }];
