// talk holds the small helpers the threads, exchanges, reviews and report
// screens share: how a person is named, how dates read in the reader's
// language, what an API error says, and a modal dialog built on the native
// <dialog> element (focus stays inside, Escape closes it, the page behind is
// inert).

let modalSeq = 0;

/** me returns the signed-in person's id, or ''. */
export function me(pb) {
  return pb.authStore.isValid ? pb.authStore.record?.id || '' : '';
}

/** personName names a user record (expanded), "Deleted user" for a placeholder. */
export function personName(t, user) {
  if (!user) {
    return t('threads.someone');
  }
  if (user.deleted) {
    return t('threads.deleted_user');
  }
  return user.name || t('threads.someone');
}

/** lang is the page's language, as the shell set it on <html>. */
export function lang() {
  return document.documentElement.lang || navigator.language || 'en';
}

/** parseDate reads a PocketBase date ("2027-03-09 23:00:00.000Z"). */
export function parseDate(s) {
  if (!s) {
    return null;
  }
  const d = new Date(String(s).replace(' ', 'T'));
  return Number.isNaN(d.getTime()) ? null : d;
}

/** fmtDateTime: "9 Mar 2027, 14:05" in the reader's language. */
export function fmtDateTime(s) {
  const d = parseDate(s);
  return d ? new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(d) : '';
}

/** fmtWhen: the time alone for today, the day otherwise (with the year when not this one). */
export function fmtWhen(s) {
  const d = parseDate(s);
  if (!d) {
    return '';
  }
  const now = new Date();
  if (d.toDateString() === now.toDateString()) {
    return new Intl.DateTimeFormat(lang(), { timeStyle: 'short' }).format(d);
  }
  const opts = d.getFullYear() === now.getFullYear() ? { day: 'numeric', month: 'short' } : { dateStyle: 'medium' };
  return new Intl.DateTimeFormat(lang(), opts).format(d);
}

/** fmtDay: a whole day, "Tue 9 Mar 2027". */
export function fmtDay(d) {
  const date = d instanceof Date ? d : parseDate(d);
  return date ? new Intl.DateTimeFormat(lang(), { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }).format(date) : '';
}

/** isoDay is the <input type=date> value of a local date. */
export function isoDay(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** localMidnight turns an <input type=date> value into that local midnight. */
export function localMidnight(value) {
  const [y, m, d] = String(value).split('-').map(Number);
  return new Date(y, m - 1, d);
}

/** pbDate writes a Date as PocketBase expects it. */
export function pbDate(d) {
  return d.toISOString().replace('T', ' ');
}

/** fieldErrors returns {field: {code, message}} of a PocketBase 400, or {}. */
export function fieldErrors(err) {
  return err?.response?.data && typeof err.response.data === 'object' ? err.response.data : {};
}

/**
 * errorText says what went wrong in the reader's language: a known field
 * code has its own string (`threads.err.<code>`), else the server's message.
 */
export function errorText(t, err) {
  if (!err) {
    return '';
  }
  if (err.status === 0 && !err.isAbort) {
    return t('threads.err.offline');
  }
  if (err.status === 429) {
    return t('threads.err.too_many');
  }
  const fields = fieldErrors(err);
  for (const name of Object.keys(fields)) {
    const code = fields[name]?.code;
    const key = `threads.err.${code}`;
    const text = code ? t(key) : '';
    if (text && text !== key) {
      return text;
    }
    if (fields[name]?.message) {
      return fields[name].message;
    }
  }
  return err.response?.message || err.message || t('threads.err.generic');
}

/**
 * modal opens a modal dialog titled `title` around `content` (a Node, or a
 * function (close) => Node). It returns {dialog, close}; onClose runs once
 * when it closes (Escape, a cancel button, close()). Focus goes to the first
 * field or button, and back to where it was when the dialog closes.
 */
export function modal(h, { title, content, onClose }) {
  const id = `ws-modal-${++modalSeq}`;
  const opener = document.activeElement;
  let closed = false;
  const dialog = h('dialog', { class: 'dialog ws-dialog', 'aria-labelledby': `${id}-title` });
  const close = () => {
    if (closed) {
      return;
    }
    closed = true;
    if (dialog.open) {
      dialog.close();
    }
    dialog.remove();
    if (opener && typeof opener.focus === 'function' && document.contains(opener)) {
      opener.focus();
    }
    onClose?.();
  };
  dialog.addEventListener('close', close);
  dialog.append(h('h2', { id: `${id}-title`, class: 'ws-dialog-title' }, title));
  dialog.append(typeof content === 'function' ? content(close) : content);
  document.body.append(dialog);
  dialog.showModal();
  const first = dialog.querySelector('input:not([type=hidden]), select, textarea, button');
  first?.focus();
  return { dialog, close };
}

/**
 * confirmDialog asks a yes/no question; it resolves true when confirmed.
 */
export function confirmDialog(h, t, { title, text, confirm, danger = false }) {
  return new Promise((resolve) => {
    let answer = false;
    modal(h, {
      title,
      onClose: () => resolve(answer),
      content: (close) =>
        h('div', {},
          text ? h('p', {}, text) : null,
          h('div', { class: 'dialog-actions' },
            h('button', { type: 'button', class: 'btn', onclick: () => close() }, t('threads.cancel')),
            h('button', {
              type: 'button',
              class: danger ? 'btn btn-danger' : 'btn btn-primary',
              onclick: () => {
                answer = true;
                close();
              },
            }, confirm),
          ),
        ),
    });
  });
}

/** srOnly is text for screen readers alone. */
export function srOnly(h, text) {
  return h('span', { class: 'visually-hidden' }, text);
}
