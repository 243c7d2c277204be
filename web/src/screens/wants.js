// Wants: my saved searches (/wants), creating and editing one
// (/wants/new, /wants/:id/edit), what matches a want now and live
// (/wants/:id), and swap matches shown as the cycle they are (/matches,
// /matches/:id). (owner: webwants)
import { emptyState } from '../ui/common.js';
import { confirmDialog } from '../ui/dialog.js';
import { CITIES } from '../ui/place.js';
import { offerCard } from '../ui/offerCard.js';
import { apiMessage, isNotFound, subscribeInbox } from '../ui/people.js';
import { cycleView, loadCycle } from '../ui/cycle.js';
import './wants.css';

const KINDS = ['lend', 'rent', 'sell', 'give', 'swap', 'service', 'experience'];
const UNITS = ['item', 'hour', 'day', 'week'];
const ALERTS = ['instant', 'daily', 'off'];
const PAGE = 20;

export const routes = [
  { path: '/wants', auth: true, render: wantsList },
  { path: '/wants/new', auth: true, render: (ctx) => wantForm(ctx, null) },
  { path: '/wants/:id/edit', auth: true, render: editWant },
  { path: '/wants/:id', auth: true, render: wantDetail },
  { path: '/matches', auth: true, render: swapMatches },
  { path: '/matches/:id', auth: true, render: swapMatch },
];

/** wantSummary says in a line what a want looks for, besides its words. */
export function wantSummary(t, want) {
  const parts = [];
  const cat = want.expand?.category;
  if (cat) parts.push(cat.name);
  if (want.kinds?.length) parts.push(want.kinds.map((k) => t(`wants.kindLabel.${k}`)).join(', '));
  if (want.max_price > 0) parts.push(t('wants.upTo', { price: want.max_price, currency: want.currency || '' }));
  if (hasLocation(want)) parts.push(t('wants.within', { km: want.radius_km || 10 }));
  return parts.join(' · ');
}

function hasLocation(r) {
  return !!r.location && (r.location.lat !== 0 || r.location.lon !== 0);
}

function wantTitle(t, want) {
  return want.query || t('wants.anything');
}

async function wantsList(ctx) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record.id;
  const [wants, swapCount] = await Promise.all([
    pb.collection('wants').getFullList({ filter: pb.filter('owner = {:me}', { me }), sort: '-created', expand: 'category' }),
    pb.collection('matches')
      .getList(1, 1, { filter: pb.filter('recipient = {:me} && kind != "want" && dismissed = false', { me }), skipTotal: false })
      .then((r) => r.totalItems)
      .catch(() => 0),
  ]);

  const list = h('ul', { class: 'list wants-list' });
  const render = () => {
    list.replaceChildren(...wants.map((w) => wantItem(w)));
  };
  const wantItem = (w) => {
    const toggle = h('button', {
      type: 'button',
      class: 'btn btn-secondary',
      'aria-label': `${w.active ? t('wants.pause') : t('wants.resume')}: ${wantTitle(t, w)}`,
      onclick: async () => {
        toggle.disabled = true;
        try {
          const saved = await pb.collection('wants').update(w.id, { active: !w.active }, { expand: 'category' });
          Object.assign(w, saved);
          render();
        } catch (err) {
          ctx.toast(apiMessage(err), 'error');
          toggle.disabled = false;
        }
      },
    }, w.active ? t('wants.pause') : t('wants.resume'));
    return h('li', { class: 'card want-item' },
      h('div', { class: 'want-head' },
        h('a', { href: `/wants/${w.id}`, class: 'want-link' }, wantTitle(t, w)),
        h('span', { class: `tag${w.active ? '' : ' tag-muted'}` }, w.active ? t('wants.active') : t('wants.paused')),
      ),
      h('p', { class: 'muted' }, [wantSummary(t, w), t(`wants.alert.${w.alert || 'instant'}`)].filter(Boolean).join(' · ')),
      h('div', { class: 'actions' },
        toggle,
        h('a', { href: `/wants/${w.id}/edit`, class: 'btn btn-secondary', 'aria-label': `${t('wants.edit')}: ${wantTitle(t, w)}` }, t('wants.edit')),
      ),
    );
  };
  render();

  return h('section', { class: 'screen wants' },
    h('div', { class: 'screen-head' },
      h('h1', {}, t('wants.title')),
      h('a', { href: '/wants/new', class: 'btn btn-primary' }, t('wants.new')),
    ),
    h('p', {}, t('wants.intro')),
    wants.length ? list : emptyState(t('wants.empty')),
    h('p', {}, h('a', { href: '/matches' }, `${t('wants.seeSwaps')} (${swapCount})`)),
  );
}

async function editWant(ctx) {
  let want;
  try {
    want = await ctx.pb.collection('wants').getOne(ctx.params.id);
  } catch (err) {
    if (isNotFound(err)) return notFound(ctx, 'wants.notFound');
    throw err;
  }
  if (want.owner !== ctx.pb.authStore.record.id) return notFound(ctx, 'wants.notFound');
  return wantForm(ctx, want);
}

function notFound(ctx, key) {
  const { h, t } = ctx;
  return h('section', { class: 'screen' }, h('h1', {}, t(key)), h('p', {}, h('a', { href: '/wants' }, t('wants.title'))));
}

let formSeq = 0;

async function wantForm(ctx, want) {
  const { h, t, pb } = ctx;
  const id = `wf${++formSeq}`;
  const categories = await pb.collection('categories').getFullList({ sort: 'name' }).catch(() => []);
  const byId = new Map(categories.map((c) => [c.id, c]));
  const catLabel = (c) => {
    const names = [c.name];
    for (let p = byId.get(c.parent), n = 0; p && n < 5; p = byId.get(p.parent), n++) names.unshift(p.name);
    return names.join(' › ');
  };
  const cats = categories.map((c) => ({ id: c.id, label: catLabel(c) })).sort((a, b) => a.label.localeCompare(b.label));

  // a new want may start from a search: /wants/new?q=drill&category=<id>&kind=rent,lend
  const q = ctx.query || {};
  const w = want || { query: (q.q || '').slice(0, 200), category: q.category || '',
    kinds: String(q.kind || '').split(',').filter((k) => KINDS.includes(k)), max_price: 0, currency: '', price_unit: '',
    location: null, radius_km: 10, public: false, active: true, alert: 'instant' };
  const located = hasLocation(w);
  const selectedCat = categories.find((c) => c.id === w.category || (c.slug && c.slug === w.category))?.id || '';
  const errs = {};
  const field = (name, label, input, help) => {
    errs[name] = h('p', { class: 'error', id: `${id}-${name}-err`, 'aria-live': 'polite' });
    const describedBy = [help ? `${id}-${name}-help` : null, `${id}-${name}-err`].filter(Boolean).join(' ');
    input.setAttribute('aria-describedby', describedBy);
    return h('div', { class: 'field' },
      h('label', { for: input.id }, label),
      input,
      help ? h('p', { class: 'hint', id: `${id}-${name}-help` }, help) : null,
      errs[name],
    );
  };

  const query = h('input', { id: `${id}-query`, name: 'query', type: 'text', maxlength: '200', value: w.query || '', autocomplete: 'off' });
  const category = h('select', { id: `${id}-category`, name: 'category' },
    h('option', { value: '' }, t('wants.anyCategory')),
    ...cats.map((c) => h('option', { value: c.id, selected: c.id === selectedCat }, c.label)),
  );
  const kindBoxes = KINDS.map((k) => h('input', { type: 'checkbox', id: `${id}-kind-${k}`, name: 'kinds', value: k, checked: (w.kinds || []).includes(k) }));
  errs.kinds = h('p', { class: 'error', 'aria-live': 'polite' });
  const maxPrice = h('input', { id: `${id}-max_price`, name: 'max_price', type: 'number', min: '0', step: 'any', inputmode: 'decimal', value: w.max_price > 0 ? String(w.max_price) : '' });
  const currency = h('input', { id: `${id}-currency`, name: 'currency', type: 'text', maxlength: '3', autocomplete: 'off', value: w.currency || '', placeholder: 'EUR' });
  const unit = h('select', { id: `${id}-price_unit`, name: 'price_unit' },
    h('option', { value: '' }, t('wants.anyUnit')),
    ...UNITS.map((u) => h('option', { value: u, selected: u === w.price_unit }, t(`wants.unit.${u}`))),
  );
  const whereAny = h('input', { type: 'radio', name: `${id}-where`, id: `${id}-where-any`, value: 'any', checked: !located });
  const whereNear = h('input', { type: 'radio', name: `${id}-where`, id: `${id}-where-near`, value: 'near', checked: located });
  const lat = h('input', { id: `${id}-lat`, type: 'number', step: 'any', min: '-90', max: '90', inputmode: 'decimal', value: located ? String(w.location.lat) : '' });
  const lon = h('input', { id: `${id}-lon`, type: 'number', step: 'any', min: '-180', max: '180', inputmode: 'decimal', value: located ? String(w.location.lon) : '' });
  const radius = h('input', { id: `${id}-radius_km`, name: 'radius_km', type: 'number', min: '1', max: '500', step: 'any', inputmode: 'decimal', value: String(w.radius_km || 10) });
  const nearFields = h('div', { class: 'near-fields' });
  const setPoint = (p) => {
    lat.value = String(Math.round(p.lat * 1e5) / 1e5);
    lon.value = String(Math.round(p.lon * 1e5) / 1e5);
    whereNear.checked = true;
    syncWhere();
  };
  const useProfile = h('button', { type: 'button', class: 'btn btn-secondary', onclick: async () => {
    try {
      const me = await pb.collection('users').getOne(pb.authStore.record.id);
      if (hasLocation(me)) setPoint(me.location);
      else ctx.toast(t('wants.noProfileLocation'), 'error');
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    }
  } }, t('wants.useProfile'));
  const useHere = h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => {
    if (!navigator.geolocation) return ctx.toast(t('wants.geoFailed'), 'error');
    navigator.geolocation.getCurrentPosition(
      (pos) => setPoint({ lat: pos.coords.latitude, lon: pos.coords.longitude }),
      () => ctx.toast(t('wants.geoFailed'), 'error'),
      { timeout: 10000, maximumAge: 600000 },
    );
  } }, t('wants.useHere'));
  const city = h('select', { id: `${id}-city` },
    h('option', { value: '' }, t('wants.pickCity')),
    ...CITIES.map((c, i) => h('option', { value: String(i) }, c.name)),
  );
  city.addEventListener('change', () => {
    const c = CITIES[Number(city.value)];
    if (city.value !== '' && c) setPoint(c);
  });
  const syncWhere = () => {
    nearFields.hidden = !whereNear.checked;
  };
  whereAny.addEventListener('change', syncWhere);
  whereNear.addEventListener('change', syncWhere);
  nearFields.append(
    h('div', { class: 'actions' }, useProfile, useHere),
    field('city', t('wants.city'), city),
    h('div', { class: 'row' }, field('lat', t('wants.lat'), lat), field('lon', t('wants.lon'), lon)),
    field('radius_km', t('wants.radius'), radius),
  );
  errs.location = h('p', { class: 'error', 'aria-live': 'polite' });
  syncWhere();
  const alertRadios = ALERTS.map((a) => h('input', { type: 'radio', name: `${id}-alert`, id: `${id}-alert-${a}`, value: a, checked: (w.alert || 'instant') === a }));
  const isPublic = h('input', { type: 'checkbox', id: `${id}-public`, checked: !!w.public });
  const isActive = h('input', { type: 'checkbox', id: `${id}-active`, checked: w.active !== false });
  const save = h('button', { type: 'submit', class: 'btn btn-primary' }, t('wants.save'));

  const showErrors = (data) => {
    for (const el of Object.values(errs)) el.textContent = '';
    let first = null;
    for (const [k, v] of Object.entries(data || {})) {
      const el = errs[k] || errs.query;
      el.textContent = v.message || String(v);
      first ??= el;
    }
    return first;
  };

  const form = h('form', { class: 'form want-form', novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    const body = {
      query: query.value.trim(),
      category: category.value,
      kinds: kindBoxes.filter((b) => b.checked).map((b) => b.value),
      max_price: maxPrice.value === '' ? 0 : Number(maxPrice.value),
      currency: currency.value.trim().toUpperCase(),
      price_unit: unit.value,
      public: isPublic.checked,
      active: isActive.checked,
      alert: alertRadios.find((r) => r.checked)?.value || 'instant',
    };
    const local = {};
    if (body.max_price > 0 && !/^[A-Z]{3}$/.test(body.currency)) local.currency = { message: t('wants.currencyRequired') };
    if (whereNear.checked) {
      if (lat.value === '' || lon.value === '') local.location = { message: t('wants.locationRequired') };
      body.location = { lat: Number(lat.value), lon: Number(lon.value) };
      body.radius_km = radius.value === '' ? 10 : Number(radius.value);
    } else {
      body.location = { lat: 0, lon: 0 };
      body.radius_km = 0;
    }
    if (Object.keys(local).length) {
      showErrors(local);
      (local.currency ? currency : lat).focus();
      return;
    }
    save.disabled = true;
    try {
      let saved;
      if (want) saved = await pb.collection('wants').update(want.id, body);
      else saved = await pb.collection('wants').create({ ...body, owner: pb.authStore.record.id });
      ctx.toast(t('wants.saved'), 'success');
      ctx.nav(`/wants/${saved.id}`);
    } catch (err) {
      save.disabled = false;
      const el = showErrors(err?.response?.data);
      if (el) (el.closest('.field, fieldset')?.querySelector('input, select') || query).focus();
      else ctx.toast(apiMessage(err), 'error');
    }
  } },
    field('query', t('wants.query'), query, t('wants.queryHelp')),
    field('category', t('wants.category'), category),
    h('fieldset', { class: 'field' },
      h('legend', {}, t('wants.kinds')),
      h('p', { class: 'hint' }, t('wants.kindsHelp')),
      h('div', { class: 'checks' }, ...KINDS.map((k, i) => h('label', { class: 'check', for: kindBoxes[i].id }, kindBoxes[i], t(`wants.kindLabel.${k}`)))),
      errs.kinds,
    ),
    h('div', { class: 'row' },
      field('max_price', t('wants.maxPrice'), maxPrice),
      field('currency', t('wants.currency'), currency),
      field('price_unit', t('wants.priceUnit'), unit),
    ),
    h('fieldset', { class: 'field' },
      h('legend', {}, t('wants.where')),
      h('label', { class: 'check', for: whereAny.id }, whereAny, t('wants.anywhere')),
      h('label', { class: 'check', for: whereNear.id }, whereNear, t('wants.near')),
      nearFields,
      errs.location,
    ),
    h('fieldset', { class: 'field' },
      h('legend', {}, t('wants.alert')),
      ...ALERTS.map((a, i) => h('label', { class: 'check', for: alertRadios[i].id }, alertRadios[i],
        t(`wants.alert${a[0].toUpperCase()}${a.slice(1)}`))),
      errs.alert = h('p', { class: 'error', 'aria-live': 'polite' }),
    ),
    h('label', { class: 'check', for: isActive.id }, isActive, t('wants.isActive')),
    h('label', { class: 'check', for: isPublic.id }, isPublic, t('wants.public')),
    h('div', { class: 'actions' }, save,
      h('a', { href: want ? `/wants/${want.id}` : '/wants', class: 'btn btn-secondary' }, t('wants.cancel'))),
  );

  return h('section', { class: 'screen want-edit' },
    h('h1', {}, want ? t('wants.editTitle') : t('wants.newTitle')),
    form,
  );
}

// hiddenKey is where dismissals of offers that matched before the want
// existed (they have no match record to mark) are remembered on this device.
const hiddenKey = (wantId) => `peerbase.wants.hidden.${wantId}`;
function hiddenOffers(wantId) {
  try {
    return new Set(JSON.parse(localStorage.getItem(hiddenKey(wantId)) || '[]'));
  } catch {
    return new Set();
  }
}

async function wantDetail(ctx) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record.id;
  let want;
  try {
    want = await pb.collection('wants').getOne(ctx.params.id, { expand: 'category' });
  } catch (err) {
    if (isNotFound(err)) return notFound(ctx, 'wants.notFound');
    throw err;
  }
  if (want.owner !== me) return notFound(ctx, 'wants.notFound');

  // the match records of this want, looked up page by page: which offers
  // were told (and dismissed); shown ones become seen (no digest about them)
  const matchByOffer = new Map();
  const lookUpMatches = async (offerIds) => {
    if (!offerIds.length) return;
    const params = { w: want.id };
    const ors = offerIds.map((id, i) => {
      params[`o${i}`] = id;
      return `offer = {:o${i}}`;
    });
    const records = await pb.collection('matches')
      .getFullList({ filter: pb.filter(`want = {:w} && (${ors.join(' || ')})`, params), fields: 'id,offer,dismissed,seen' })
      .catch(() => []);
    for (const m of records) matchByOffer.set(m.offer, m);
  };
  const markSeen = (m) => {
    if (m && !m.seen && !m.dismissed) {
      m.seen = true;
      pb.collection('matches').update(m.id, { seen: true }).catch(() => {});
    }
  };
  const hidden = hiddenOffers(want.id);
  const shown = new Set();

  const list = h('ul', { class: 'grid match-list' });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, t('wants.more'));
  const empty = emptyState(t('wants.noMatches'));
  const syncEmpty = () => {
    empty.hidden = list.children.length > 0;
  };

  const item = (offer, { fresh = false } = {}) => {
    shown.add(offer.id);
    const li = h('li', { class: `match-item${fresh ? ' match-new' : ''}`, 'data-offer': offer.id });
    const dismiss = h('button', {
      type: 'button',
      class: 'btn btn-secondary btn-small',
      'aria-label': `${t('wants.dismiss')}: ${offer.title}`,
      onclick: async () => {
        dismiss.disabled = true;
        try {
          const m = matchByOffer.get(offer.id);
          if (m) {
            await pb.collection('matches').update(m.id, { dismissed: true, seen: true });
            m.dismissed = true;
          } else {
            hidden.add(offer.id);
            localStorage.setItem(hiddenKey(want.id), JSON.stringify([...hidden]));
          }
          const next = li.nextElementSibling || li.previousElementSibling;
          li.remove();
          syncEmpty();
          ctx.toast(t('wants.dismissed'));
          (next?.querySelector('a') || list.closest('section').querySelector('h2'))?.focus();
        } catch (err) {
          dismiss.disabled = false;
          ctx.toast(apiMessage(err), 'error');
        }
      },
    }, t('wants.dismiss'));
    const score = typeof offer.score === 'number' ? Math.round(offer.score * 100) : null;
    li.append(
      offerCard(ctx, offer, { headingLevel: 3 }),
      h('div', { class: 'match-why' },
        score !== null ? h('span', { class: 'tag' }, t('wants.score', { score })) : null,
        offer.explanation ? h('span', { class: 'explanation' }, offer.explanation) : null,
        dismiss,
      ),
    );
    return li;
  };

  let next = '';
  const loadPage = async () => {
    more.disabled = true;
    try {
      const query = { limit: PAGE };
      if (next) query.after = next;
      const page = await pb.send(`/api/peerbase/wants/${want.id}/offers`, { query });
      await lookUpMatches(page.items.map((o) => o.id));
      for (const offer of page.items) {
        const m = matchByOffer.get(offer.id);
        if ((m && m.dismissed) || hidden.has(offer.id) || shown.has(offer.id)) continue;
        list.append(item(offer));
        markSeen(m);
      }
      next = page.next;
      more.hidden = !next;
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      more.disabled = false;
      syncEmpty();
    }
  };
  more.addEventListener('click', loadPage);
  await loadPage();

  // new matches of this want arrive on the inbox as they are written
  await subscribeInbox(ctx, async (e) => {
    if (e.collection !== 'matches' || e.action !== 'create' || e.record?.want !== want.id) return;
    const m = e.record;
    matchByOffer.set(m.offer, m);
    if (shown.has(m.offer)) markSeen(m);
    if (shown.has(m.offer) || m.dismissed) return;
    try {
      const offer = await pb.collection('offers').getOne(m.offer);
      if (shown.has(offer.id)) return;
      offer.score = m.score;
      offer.explanation = m.explanation;
      list.prepend(item(offer, { fresh: true }));
      syncEmpty();
      status.textContent = t('wants.newMatch', { title: offer.title });
      markSeen(m);
    } catch {
      // the offer went away meanwhile
    }
  });

  const toggle = h('button', { type: 'button', class: 'btn btn-secondary', onclick: async () => {
    toggle.disabled = true;
    try {
      want = await pb.collection('wants').update(want.id, { active: !want.active }, { expand: 'category' });
      toggle.textContent = want.active ? t('wants.pause') : t('wants.resume');
      badge.textContent = want.active ? t('wants.active') : t('wants.paused');
      badge.className = `tag${want.active ? '' : ' tag-muted'}`;
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      toggle.disabled = false;
    }
  } }, want.active ? t('wants.pause') : t('wants.resume'));
  const badge = h('span', { class: `tag${want.active ? '' : ' tag-muted'}` }, want.active ? t('wants.active') : t('wants.paused'));
  const del = h('button', { type: 'button', class: 'btn btn-danger', onclick: async () => {
    if (!(await confirmDialog({ title: t('wants.deleteConfirm'), confirm: t('wants.delete'), danger: true }))) return;
    try {
      await pb.collection('wants').delete(want.id);
      ctx.toast(t('wants.deleted'));
      ctx.nav('/wants');
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    }
  } }, t('wants.delete'));

  return h('section', { class: 'screen want-detail' },
    h('h1', {}, wantTitle(t, want)),
    h('p', { class: 'muted' }, badge, ' ', [wantSummary(t, want), t(`wants.alert.${want.alert || 'instant'}`)].filter(Boolean).join(' · ')),
    h('div', { class: 'actions' },
      toggle,
      h('a', { href: `/wants/${want.id}/edit`, class: 'btn btn-secondary' }, t('wants.edit')),
      del,
    ),
    h('h2', { tabindex: '-1' }, t('wants.matchesNow')),
    h('p', { class: 'hint' }, t('wants.live')),
    status,
    list,
    empty,
    more,
  );
}

async function swapMatches(ctx) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record.id;
  const matches = await pb.collection('matches').getFullList({
    filter: pb.filter('recipient = {:me} && kind != "want" && dismissed = false', { me }),
    sort: '-created',
  });
  const list = h('ul', { class: 'list swap-matches' });
  for (const m of matches) list.append(h('li', { class: 'card' }, await swapMatchCard(ctx, m)));
  await subscribeInbox(ctx, async (e) => {
    if (e.collection !== 'matches' || e.action !== 'create' || e.record?.kind === 'want') return;
    list.prepend(h('li', { class: 'card' }, await swapMatchCard(ctx, e.record)));
  });
  return h('section', { class: 'screen swap-matches-screen' },
    h('h1', {}, t('matches.title')),
    h('p', {}, t('matches.intro')),
    matches.length ? list : h('div', {}, list, emptyState(t('matches.empty'))),
  );
}

async function swapMatch(ctx) {
  const { h, t, pb } = ctx;
  let m;
  try {
    m = await pb.collection('matches').getOne(ctx.params.id);
  } catch (err) {
    if (isNotFound(err)) return notFound(ctx, 'matches.notFound');
    throw err;
  }
  if (m.kind === 'want') {
    ctx.nav(m.want ? `/wants/${m.want}` : `/offers/${m.offer}`);
    return h('section', { class: 'screen' });
  }
  if (!m.seen) pb.collection('matches').update(m.id, { seen: true }).catch(() => {});
  return h('section', { class: 'screen swap-match-screen' },
    h('h1', {}, m.kind === 'swap-3' ? t('matches.three') : t('matches.two')),
    await swapMatchCard(ctx, m, { heading: false }),
  );
}

/** swapMatchCard shows a swap match as its cycle, with "Propose this swap" (or the open swap). */
async function swapMatchCard(ctx, m, { heading = true } = {}) {
  const { h, t, pb } = ctx;
  const cycle = await loadCycle(ctx, m.cycle || []);
  const action = h('div', { class: 'actions' });
  const showSwap = (swap) => {
    action.replaceChildren(h('a', { href: `/swaps/${swap.id}`, class: 'btn btn-primary' }, t('matches.seeSwap')));
  };
  let open = null;
  if (m.cycle_key) {
    open = await pb.collection('swaps')
      .getFirstListItem(pb.filter('cycle_key = {:k} && (state = "proposed" || state = "accepted" || state = "completed")', { k: m.cycle_key }), { sort: '-created' })
      .catch(() => null);
  }
  if (open) showSwap(open);
  else {
    const propose = h('button', { type: 'button', class: 'btn btn-primary', onclick: async () => {
      propose.disabled = true;
      try {
        const swap = await pb.send('/api/peerbase/swaps', { method: 'POST', body: { match: m.id } });
        ctx.toast(t('matches.proposed'), 'success');
        ctx.nav(`/swaps/${swap.id}`);
      } catch (err) {
        propose.disabled = false;
        ctx.toast(apiMessage(err), 'error');
      }
    } }, t('matches.propose'));
    action.append(propose);
  }
  return h('article', { class: 'swap-match', 'aria-label': m.explanation || t('matches.title') },
    heading ? h('h2', {}, h('a', { href: `/matches/${m.id}` }, m.kind === 'swap-3' ? t('matches.three') : t('matches.two'))) : null,
    m.explanation ? h('p', { class: 'explanation' }, m.explanation) : null,
    cycleView(ctx, cycle),
    action,
  );
}
