// Posting and editing an offer. The record is saved first (as a draft when
// new), then each new photo is uploaded in its own request ("Uploading photo
// 2 of 5": the server processes each photo before it answers, and photos
// can't go in a batch), then a new offer is published when asked.
import { h, replace, id as newId } from '../app/h.js';
import { noteError } from '../app/offline.js';
import { field, formError, showErrors, clearErrors } from '../ui/form.js';
import { categories, categorySelect } from '../ui/categories.js';
import { getPlace, parsePlace, currentPosition } from '../ui/place.js';
import { photoBox } from '../ui/offerCard.js';
import { KINDS } from './offers.js';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CAD', 'CHF'];
const UNITS = ['item', 'hour', 'day', 'week'];
const MAX_PHOTOS = 10;

function select(name, options, value, attrs = {}) {
  return h('select', { name, ...attrs }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

async function offerForm(ctx, offer) {
  const { t, pb, user } = ctx;
  const cats = await categories().catch(() => []);
  const editing = !!offer;
  let saved = offer; // the record once it exists (a failed upload after a create edits it next time)
  let o = offer || { kind: 'lend', currency: 'EUR', price_unit: 'item', tags: [], title: (ctx.query.title || '').slice(0, 120) };
  let kept = new Set(o.photos || []); // existing photos still wanted
  const added = []; // File objects to upload
  let place = o.location && (o.location.lat || o.location.lon) ? { lat: o.location.lat, lon: o.location.lon, label: `${o.location.lat.toFixed(4)}, ${o.location.lon.toFixed(4)}` } : editing ? null : getPlace(user);

  const photosId = newId('photos');
  const fileInput = h('input', { id: photosId, type: 'file', name: 'photos', accept: 'image/*', multiple: true, class: 'visually-hidden-file' });
  const photoList = h('ul', { class: 'photo-list', 'aria-label': t('offers.form.chosenPhotos') });
  const photoCount = h('p', { class: 'hint', 'aria-live': 'polite' });
  const renderPhotos = () => {
    const items = [];
    for (const name of o.photos || []) {
      if (!kept.has(name)) continue;
      items.push(h('li', { class: 'photo-item' }, photoBox(o, name, { thumb: '240x240', limits: { min: 1, max: 1 } }), h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('offers.form.removePhotoN', { n: items.length + 1 }), onclick: () => { kept.delete(name); renderPhotos(); } }, t('offers.form.remove'))));
    }
    added.forEach((file, i) => {
      const url = URL.createObjectURL(file);
      items.push(h('li', { class: 'photo-item' }, h('div', { class: 'photo-box', style: { aspectRatio: '1' } }, h('img', { src: url, alt: '', onload: () => URL.revokeObjectURL(url) })), h('span', { class: 'photo-name' }, file.name), h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': t('offers.form.removePhotoN', { n: items.length + 1 }), onclick: () => { added.splice(i, 1); renderPhotos(); } }, t('offers.form.remove'))));
    });
    replace(photoList, items);
    photoCount.textContent = t('offers.form.photoCount', { count: items.length, max: MAX_PHOTOS });
  };
  fileInput.addEventListener('change', () => {
    for (const f of fileInput.files) if (kept.size + added.length < MAX_PHOTOS) added.push(f);
    fileInput.value = '';
    renderPhotos();
  });
  renderPhotos();

  const placeId = newId('loc');
  const placeInput = h('input', { id: placeId, name: 'location', type: 'text', value: place?.label || '', autocomplete: 'off', placeholder: t('place.placeholder') });
  const placeField = field({ name: 'location', label: t('offers.form.location'), hint: t('offers.form.locationHint'), input: placeInput });
  placeField.insertBefore(
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'btn btn-small', onclick: async (e) => {
      const btn = e.currentTarget;
      btn.disabled = true;
      try {
        const p = await currentPosition();
        place = p;
        placeInput.value = `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
      } catch (err) {
        placeField.querySelector('.error').textContent = err.message;
      } finally {
        btn.disabled = false;
      }
    } }, t('place.useMine'))),
    placeField.querySelector('.error'),
  );

  const progress = h('div', { class: 'upload-progress', role: 'status', 'aria-live': 'polite' });
  const kindSel = select('kind', KINDS.map((k) => [k, t(`offers.kind.${k}`)]), o.kind, { required: true });
  const priceInput = h('input', { name: 'price', type: 'number', min: '0', step: '0.01', inputmode: 'decimal', value: o.price ? String(o.price) : '' });
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError(),
    field({ name: 'title', label: t('offers.form.title'), required: true, minlength: 3, maxlength: 120, value: o.title || '' }),
    field({ name: 'kind', label: t('offers.form.kind'), input: kindSel }),
    field({ name: 'category', label: t('offers.form.category'), input: categorySelect(cats, o.category, { name: 'category', anyLabel: t('offers.form.noCategory') }) }),
    field({ name: 'description', label: t('offers.form.description'), input: h('textarea', { name: 'description', maxlength: 5000, rows: 5 }, o.description || '') }),
    h(
      'fieldset',
      { class: 'price-fields' },
      h('legend', t('offers.form.price')),
      h(
        'div',
        { class: 'row price-row' },
        field({ name: 'price', label: t('offers.form.amount'), hint: t('offers.form.priceHint'), input: priceInput }),
        field({ name: 'currency', label: t('offers.form.currency'), input: select('currency', CURRENCIES.map((c) => [c, c]), o.currency || 'EUR') }),
        field({ name: 'price_unit', label: t('offers.form.unit'), input: select('price_unit', UNITS.map((u) => [u, t(`offers.unitLong.${u}`)]), o.price_unit || 'item') }),
      ),
    ),
    field({ name: 'wants_in_return', label: t('offers.form.wantsInReturn'), hint: t('offers.form.wantsInReturnHint'), input: h('textarea', { name: 'wants_in_return', maxlength: 1000, rows: 2 }, o.wants_in_return || '') }),
    field({ name: 'tags', label: t('offers.form.tags'), hint: t('offers.form.tagsHint'), value: (o.tags || []).join(', ') }),
    placeField,
    h(
      'div',
      { class: 'field', dataset: { field: 'photos' } },
      h('span', { class: 'label', id: `${photosId}-label` }, t('offers.form.photos')),
      photoList,
      photoCount,
      h('label', { for: photosId, class: 'btn file-btn' }, t('offers.form.addPhotos')),
      fileInput,
      h('div', { class: 'error' }),
    ),
    progress,
    h(
      'div',
      { class: 'row' },
      editing
        ? h('button', { type: 'submit', class: 'btn btn-primary', value: 'save' }, t('app.save'))
        : [h('button', { type: 'submit', class: 'btn btn-primary', value: 'publish' }, t('offers.form.publish')), h('button', { type: 'submit', class: 'btn', value: 'draft' }, t('offers.form.saveDraft'))],
      h('a', { class: 'btn btn-quiet', href: editing ? `/offers/${o.id}` : '/' }, t('app.cancel')),
    ),
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const mode = e.submitter?.value || 'save';
    clearErrors(form);
    const data = {
      title: form.title.value.trim(),
      kind: form.kind.value,
      category: form.category.value,
      description: form.description.value,
      price: form.price.value === '' ? 0 : Number(form.price.value),
      currency: form.currency.value,
      price_unit: form.price_unit.value,
      wants_in_return: form.wants_in_return.value,
      tags: form.tags.value.split(',').map((s) => s.trim()).filter(Boolean),
    };
    const typed = placeInput.value.trim();
    if (!typed) data.location = { lat: 0, lon: 0 };
    else {
      const p = parsePlace(typed) || (place && typed === place.label ? place : null);
      if (!p) {
        showErrors(form, { response: { data: { location: { message: t('place.invalid') } } } }, t);
        return;
      }
      data.location = { lat: p.lat, lon: p.lon };
    }
    const buttons = form.querySelectorAll('button[type=submit]');
    buttons.forEach((b) => (b.disabled = true));
    form.setAttribute('aria-busy', 'true');
    const took = (record) => {
      saved = record;
      o = record;
      kept = new Set(record.photos || []);
    };
    try {
      progress.textContent = t('offers.form.saving');
      if (saved) {
        const removed = (o.photos || []).filter((n) => !kept.has(n));
        took(await pb.collection('offers').update(saved.id, removed.length ? { ...data, 'photos-': removed } : data));
      } else {
        took(await pb.collection('offers').create({ ...data, owner: user.id, status: 'draft' }));
      }
      const total = added.length;
      for (let i = 0; i < total; i++) {
        progress.replaceChildren(t('offers.form.uploading', { n: i + 1, m: total }), ' ', h('progress', { max: total, value: i, 'aria-hidden': 'true' }));
        took(await pb.collection('offers').update(saved.id, { 'photos+': added[0] }));
        added.shift();
      }
      if (mode === 'publish') took(await pb.collection('offers').update(saved.id, { status: 'active' }));
      progress.textContent = '';
      ctx.toast(mode === 'publish' ? t('offers.published') : mode === 'draft' ? t('offers.form.draftSaved') : t('app.saved'), 'success');
      ctx.nav(`/offers/${saved.id}`, { replace: true });
    } catch (err) {
      noteError(err);
      progress.textContent = '';
      renderPhotos();
      showErrors(form, err, t);
      if (saved && !editing) ctx.toast(t('offers.form.keptDraft'), 'info');
    } finally {
      buttons.forEach((b) => (b.disabled = false));
      form.removeAttribute('aria-busy');
    }
  });

  return h('section', { class: 'screen' }, h('h1', editing ? t('offers.form.editTitle') : t('offers.form.newTitle')), form);
}

async function editScreen(ctx) {
  const offer = await ctx.pb.collection('offers').getOne(ctx.params.id);
  if (offer.owner !== ctx.user.id) {
    return h('section', { class: 'screen empty' }, h('h1', ctx.t('offers.form.notYours')), h('p', h('a', { href: `/offers/${offer.id}` }, offer.title)));
  }
  return offerForm(ctx, offer);
}

export const routes = [
  { path: '/offers/new', auth: true, render: (ctx) => offerForm(ctx, null) },
  { path: '/offers/:id/edit', auth: true, render: editScreen },
];
