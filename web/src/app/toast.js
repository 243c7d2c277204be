// toast(message, kind) shows a short message in a polite live region (an
// assertive one for errors) and removes it after a few seconds.
import { h } from './h.js';

let region;

function ensureRegion() {
  if (region && region.isConnected) return region;
  region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  document.body.append(region);
  return region;
}

export function toast(message, kind = 'info') {
  const r = ensureRegion();
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : null }, String(message));
  r.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
  return el;
}
