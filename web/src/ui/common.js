// Small shared pieces: avatar, photoUrl, timeAgo, priceLabel, emptyState,
// spinner. Every screen of every area may use them.
import { h } from '../app/h.js';
import { pb } from '../app/api.js';
import { t, getLanguage, formatNumber } from '../app/i18n.js';

/**
 * photoUrl returns the URL of a file of record (first photo when name is
 * omitted) at a thumb size declared on its field ('480x0', '240x240',
 * '1024x0' for offer photos; '64x64', '256x256' for avatars), or '' when none.
 */
export function photoUrl(record, name, thumb) {
  const file = name || (Array.isArray(record?.photos) ? record.photos[0] : record?.photos);
  if (!record || !file) return '';
  return pb.files.getURL(record, file, thumb ? { thumb } : undefined);
}

/** displayName is a user's name, or "Deleted user" for a deleted account. */
export function displayName(user) {
  if (!user) return '';
  if (user.deleted) return t('app.deletedUser');
  return user.name || t('app.deletedUser');
}

/** avatar(user, size) is a round picture, or the initials when there is none. */
export function avatar(user, size = 40) {
  const name = displayName(user);
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
  const meta = user?.avatar_meta?.[user?.avatar];
  const el = h('span', { class: 'avatar', style: { '--avatar-size': `${size}px`, background: meta?.color || null } });
  if (user?.avatar) {
    el.append(h('img', { src: photoUrl(user, user.avatar, size > 64 ? '256x256' : '64x64'), alt: '', width: size, height: size, loading: 'lazy', decoding: 'async' }));
  } else {
    el.append(h('span', { 'aria-hidden': 'true' }, initials || '?'));
  }
  return el;
}

const units = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** timeAgo is "3 hours ago" / "il y a 3 heures" (or "in 2 days"). */
export function timeAgo(date) {
  const d = date instanceof Date ? date : new Date(String(date).replace(' ', 'T'));
  const secs = (d.getTime() - Date.now()) / 1000;
  if (Number.isNaN(secs)) return '';
  const rtf = new Intl.RelativeTimeFormat(getLanguage(), { numeric: 'auto' });
  for (const [unit, s] of units) {
    if (Math.abs(secs) >= s) return rtf.format(Math.round(secs / s), unit);
  }
  return rtf.format(0, 'minute');
}

/** timeEl is a <time> with the relative text and the exact date as title. */
export function timeEl(date) {
  const d = new Date(String(date).replace(' ', 'T'));
  return h('time', { datetime: Number.isNaN(d.getTime()) ? null : d.toISOString(), title: Number.isNaN(d.getTime()) ? null : d.toLocaleString(getLanguage()) }, timeAgo(d));
}

/** priceLabel is "Free", "€12", "€5 / day" for an offer ("" for a swap without a price). */
export function priceLabel(offer) {
  if (offer.kind === 'give') return t('offers.price.free');
  if (offer.kind === 'swap' && !offer.price) return '';
  if (!offer.price) return offer.kind === 'lend' ? t('offers.price.free') : t('offers.price.ask');
  let amount;
  try {
    amount = formatNumber(offer.price, offer.currency ? { style: 'currency', currency: offer.currency, maximumFractionDigits: 2 } : { maximumFractionDigits: 2 });
  } catch {
    amount = `${offer.price} ${offer.currency || ''}`.trim();
  }
  const unit = offer.price_unit && offer.price_unit !== 'item' ? t(`offers.unit.${offer.price_unit}`) : '';
  return unit ? `${amount} / ${unit}` : amount;
}

/** distanceLabel is "350 m" or "4.2 km". */
export function distanceLabel(km) {
  if (typeof km !== 'number' || Number.isNaN(km)) return '';
  if (km < 1) return `${formatNumber(Math.round(km * 100) * 10)} m`;
  return `${formatNumber(km, { maximumFractionDigits: km < 10 ? 1 : 0 })} km`;
}

/** emptyState(title, body, action) for a list with nothing in it. */
export function emptyState(title, body, action) {
  return h('div', { class: 'empty' }, h('h2', title), body ? h('p', body) : null, action || null);
}

/** spinner with a text for screen readers. */
export function spinner(label = t('app.loading')) {
  return h('span', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', label));
}
