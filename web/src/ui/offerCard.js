// offerCard(ctx, offer) is an offer in a list: its first photo at its own
// aspect ratio (from photo_meta, so the list never jumps as images load)
// over a blurhash placeholder in the photo's average colour, the title, the
// kind, the price and, from search, the distance and the words that matched.
import { decode } from 'blurhash';
import { h } from '../app/h.js';
import { t } from '../app/i18n.js';
import { photoUrl, priceLabel, distanceLabel } from './common.js';

/** photoMeta returns {width, height, blurhash, color} of a photo, or {}. */
export function photoMeta(offer, name) {
  const file = name || offer?.photos?.[0];
  return (file && offer?.photo_meta?.[file]) || {};
}

/** ratio is width/height of a photo, kept between 3:4 and 16:9 in lists. */
export function ratio(meta, { min = 0.75, max = 16 / 9 } = {}) {
  if (!meta.width || !meta.height) return 4 / 3;
  return Math.min(max, Math.max(min, meta.width / meta.height));
}

/** blurhashCanvas paints a blurhash on a small canvas (stretched by CSS). */
export function blurhashCanvas(hash) {
  if (!hash) return null;
  try {
    const w = 32;
    const hgt = 32;
    const pixels = decode(hash, w, hgt);
    const canvas = h('canvas', { class: 'blurhash', width: w, height: hgt, 'aria-hidden': 'true' });
    const c2d = canvas.getContext('2d');
    if (!c2d) return null;
    const img = c2d.createImageData(w, hgt);
    img.data.set(pixels);
    c2d.putImageData(img, 0, 0);
    return canvas;
  } catch {
    return null; // a malformed hash: the colour alone
  }
}

/**
 * photoBox(offer, name, {thumb, ratioLimits, alt}) is a box of the photo's
 * aspect ratio with its placeholder; the image fades in over it when loaded.
 */
export function photoBox(offer, name, { thumb = '480x0', limits, alt = '', eager = false } = {}) {
  const file = name || offer?.photos?.[0];
  const meta = photoMeta(offer, file);
  const box = h('div', { class: 'photo-box', style: { aspectRatio: String(ratio(meta, limits)), backgroundColor: meta.color || null } });
  if (!file) {
    box.classList.add('photo-none');
    box.append(h('span', { class: 'photo-none-text', 'aria-hidden': 'true' }, (offer?.title || '?').slice(0, 1).toUpperCase()));
    return box;
  }
  const canvas = blurhashCanvas(meta.blurhash);
  if (canvas) box.append(canvas);
  const img = h('img', { src: photoUrl(offer, file, thumb), alt, loading: eager ? 'eager' : 'lazy', decoding: 'async', width: meta.width || null, height: meta.height || null });
  img.addEventListener('load', () => box.classList.add('loaded'));
  box.append(img);
  return box;
}

/** highlightNodes turns search's highlight (escaped text with <mark>) into nodes. */
export function highlightNodes(html) {
  if (!html) return null;
  const doc = new DOMParser().parseFromString(`<p>${html}</p>`, 'text/html');
  const out = [];
  for (const n of doc.body.firstChild?.childNodes || []) {
    if (n.nodeType === Node.TEXT_NODE) out.push(n.textContent);
    else if (n.nodeName === 'MARK') out.push(h('mark', n.textContent));
    else out.push(n.textContent);
  }
  return out;
}

export function offerCard(ctx, offer, { headingLevel = 2, showStatus = false } = {}) {
  const kind = offer.kind ? t(`offers.kind.${offer.kind}`) : '';
  const dist = distanceLabel(offer.distance_km);
  const hl = highlightNodes(offer.highlight);
  return h(
    'article',
    { class: 'offer-card card', dataset: { offer: offer.id } },
    h(
      'a',
      { class: 'offer-card-link', href: `/offers/${offer.id}` },
      photoBox(offer),
      h(
        'div',
        { class: 'offer-card-body' },
        h(`h${headingLevel}`, { class: 'offer-card-title' }, offer.title),
        h(
          'p',
          { class: 'offer-card-meta' },
          h('span', { class: 'tag' }, kind),
          priceLabel(offer) ? h('span', { class: 'offer-price' }, priceLabel(offer)) : null,
          dist ? h('span', { class: 'muted' }, t('offers.away', { distance: dist })) : null,
          showStatus && offer.status ? h('span', { class: `tag tag-muted status-${offer.status}` }, t(`offers.status.${offer.status}`)) : null,
        ),
        hl ? h('p', { class: 'offer-card-highlight muted' }, hl) : null,
      ),
    ),
  );
}
