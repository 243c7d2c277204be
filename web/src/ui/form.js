// Form helpers: a labelled field with hint and error slots wired by
// aria-describedby, and showErrors(form, err) that puts PocketBase's
// field-level errors (err.response.data.<field>.message) under each field
// and the general message at the top.
import { h, id as newId } from '../app/h.js';
import { errorMessage } from '../app/api.js';

/**
 * field({ name, label, type, value, hint, required, input }) returns a
 * .field div. `input` may be a ready control (select, textarea); otherwise an
 * <input> is made from the other attributes.
 */
export function field({ name, label, hint, input, ...attrs }) {
  const fid = attrs.id || newId(name || 'f');
  const hintId = `${fid}-hint`;
  const errId = `${fid}-error`;
  const control = input || h('input', { name, id: fid, type: 'text', ...attrs });
  control.id ||= fid;
  if (name && !control.name) control.name = name;
  control.setAttribute('aria-describedby', [hint ? hintId : null, errId].filter(Boolean).join(' '));
  return h(
    'div',
    { class: 'field', dataset: { field: name || '' } },
    h('label', { for: control.id }, label),
    control,
    hint ? h('div', { class: 'hint', id: hintId }, hint) : null,
    h('div', { class: 'error', id: errId }),
  );
}

/** formError is the box at the top of a form for a message not tied to a field. */
export function formError() {
  return h('div', { class: 'form-error', role: 'alert' });
}

/** clearErrors empties every error slot of form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('.field .error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const top = form.querySelector('.form-error');
  if (top) top.textContent = '';
}

/**
 * showErrors shows err on form: each field error under its field (the
 * first such field gets focus), anything else in the .form-error box.
 */
export function showErrors(form, err, t) {
  clearErrors(form);
  const data = err?.response?.data || {};
  let first = null;
  const unplaced = [];
  for (const [name, e] of Object.entries(data)) {
    const box = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    const msg = e?.message || String(e);
    if (!box) {
      unplaced.push(`${name}: ${msg}`);
      continue;
    }
    box.querySelector('.error').textContent = msg;
    const control = box.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first ||= control;
    }
  }
  const top = form.querySelector('.form-error');
  const general = [!first || unplaced.length ? errorMessage(err, t) : '', ...unplaced].filter(Boolean).join(' — ');
  if (top) top.textContent = general;
  if (first) first.focus();
  else top?.focus?.();
}

/** busy disables a form's submit button while fn runs. */
export async function busy(form, fn) {
  const btn = form.querySelector('[type=submit]');
  if (btn) btn.disabled = true;
  form.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    if (btn) btn.disabled = false;
    form.removeAttribute('aria-busy');
  }
}
