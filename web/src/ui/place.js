// The searcher's place: the browser's position, a typed "lat,lon", or a
// city from a short list (there is no geocoder server). Kept on the device
// (localStorage); the signed-in person's saved location is the default.
import { h, id as newId } from '../app/h.js';
import { t } from '../app/i18n.js';

// The demo data (demo/data.go) is in Lyon; the others are well-known places.
export const CITIES = [
  { name: 'Lyon', lat: 45.764, lon: 4.8357, demo: true },
  { name: 'Paris', lat: 48.8566, lon: 2.3522 },
  { name: 'Marseille', lat: 43.2965, lon: 5.3698 },
  { name: 'Toulouse', lat: 43.6047, lon: 1.4442 },
  { name: 'Bordeaux', lat: 44.8378, lon: -0.5792 },
  { name: 'Lille', lat: 50.6292, lon: 3.0573 },
  { name: 'Nantes', lat: 47.2184, lon: -1.5536 },
  { name: 'Bruxelles', lat: 50.8503, lon: 4.3517 },
  { name: 'Genève', lat: 46.2044, lon: 6.1432 },
  { name: 'Montréal', lat: 45.5019, lon: -73.5674 },
  { name: 'London', lat: 51.5072, lon: -0.1276 },
];

export const RADII = [1, 5, 10, 25, 50, 100, 0]; // km; 0: anywhere

const KEY = 'peerbase.place';

const fold = (s) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();

/** parsePlace reads "45.76, 4.84" or a city name; null when it is neither. */
export function parsePlace(text) {
  const s = String(text || '').trim();
  const m = /^(-?\d+(?:\.\d+)?)\s*[,; ]\s*(-?\d+(?:\.\d+)?)$/.exec(s);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180) return { lat, lon, label: `${lat.toFixed(4)}, ${lon.toFixed(4)}` };
    return null;
  }
  const name = fold(s.replace(/\s*\(.*\)$/, ''));
  const city = CITIES.find((c) => fold(c.name) === name);
  return city ? { lat: city.lat, lon: city.lon, label: city.name } : null;
}

/** getPlace returns {lat, lon, label, radius} or null. */
export function getPlace(user) {
  try {
    const p = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (p && typeof p.lat === 'number' && typeof p.lon === 'number') return p;
  } catch {
    // ignore a broken value
  }
  const loc = user?.location;
  if (loc && (loc.lat || loc.lon)) return { lat: loc.lat, lon: loc.lon, label: t('place.saved'), radius: 25 };
  return null;
}

export function setPlace(p) {
  try {
    if (p) localStorage.setItem(KEY, JSON.stringify(p));
    else localStorage.removeItem(KEY);
  } catch {
    // private mode: the place lasts for this page only
  }
}

/** nearParam is the search API's near=lat,lon. */
export function nearParam(p) {
  return `${p.lat.toFixed(5)},${p.lon.toFixed(5)}`;
}

/** currentPosition asks the browser where the device is. */
export function currentPosition() {
  return new Promise((resolve, reject) => {
    if (!navigator.geolocation) {
      reject(new Error(t('place.noGeo')));
      return;
    }
    navigator.geolocation.getCurrentPosition(
      (pos) => resolve({ lat: pos.coords.latitude, lon: pos.coords.longitude, label: t('place.here') }),
      (err) => reject(new Error(err.code === 1 ? t('place.denied') : t('place.unavailable'))),
      { enableHighAccuracy: false, timeout: 10_000, maximumAge: 300_000 },
    );
  });
}

/**
 * placePicker(ctx, place, onChange) is the "where" control: the current
 * place, a field for "lat,lon" or a city, "Use my location", the radius.
 * onChange(place or null) runs when the person picks something.
 */
export function placePicker(ctx, place, onChange, { radius = true } = {}) {
  const listId = newId('cities');
  const inputId = newId('place');
  const radiusId = newId('radius');
  const errId = newId('place-err');
  const err = h('div', { class: 'error', id: errId, role: 'alert' });
  const input = h('input', {
    id: inputId,
    name: 'place',
    type: 'text',
    list: listId,
    autocomplete: 'off',
    inputmode: 'text',
    placeholder: t('place.placeholder'),
    value: place?.label || '',
    'aria-describedby': `${inputId}-hint ${errId}`,
  });
  const radiusSel = radius
    ? h(
        'select',
        { id: radiusId, name: 'radius' },
        RADII.map((r) => h('option', { value: r, selected: (place?.radius ?? 25) === r }, r ? t('place.km', { km: r }) : t('place.anywhere'))),
      )
    : null;
  const pick = (p) => {
    err.textContent = '';
    input.removeAttribute('aria-invalid');
    const next = p ? { ...p, radius: radiusSel ? Number(radiusSel.value) : 0 } : null;
    setPlace(next);
    if (next) input.value = next.label;
    onChange(next);
  };
  const form = h(
    'form',
    { class: 'place-picker', role: 'search', 'aria-label': t('place.formLabel') },
    h(
      'div',
      { class: 'field place-field' },
      h('label', { for: inputId }, t('place.label')),
      h('div', { class: 'place-row' }, input, h('button', { type: 'submit', class: 'btn btn-small' }, t('place.set'))),
      h('div', { class: 'hint', id: `${inputId}-hint` }, t('place.hint')),
      err,
    ),
    h('datalist', { id: listId }, CITIES.map((c) => h('option', { value: c.demo ? `${c.name} (${t('place.demo')})` : c.name }))),
    h(
      'div',
      { class: 'place-row' },
      radiusSel ? h('div', { class: 'field radius-field' }, h('label', { for: radiusId }, t('place.radius')), radiusSel) : null,
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small',
          onclick: async (e) => {
            const btn = e.currentTarget;
            btn.disabled = true;
            try {
              pick(await currentPosition());
            } catch (ex) {
              err.textContent = ex.message;
            } finally {
              btn.disabled = false;
            }
          },
        },
        t('place.useMine'),
      ),
      place ? h('button', { type: 'button', class: 'btn btn-small btn-quiet', onclick: () => { input.value = ''; pick(null); } }, t('place.clear')) : null,
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!input.value.trim()) {
      pick(null);
      return;
    }
    const p = parsePlace(input.value);
    if (!p) {
      err.textContent = t('place.invalid');
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return;
    }
    pick(p);
  });
  radiusSel?.addEventListener('change', () => {
    const p = getPlace(ctx.user);
    if (p) pick(p);
  });
  return form;
}
