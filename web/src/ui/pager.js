// A search's results a page at a time: the list, a "More" button and a
// status line (a polite live region) that says "Loading…", the count, or
// what went wrong. The offers' search and nearby screens and "wanted near
// me" use it.
import { h, replace } from '../app/h.js';
import { errorMessage } from '../app/api.js';
import { noteError } from '../app/offline.js';

/**
 * pagedList fills list (the caller's <ul>) a page at a time.
 * fetchPage({ after, estimate }) answers { items, next, estimate } (after is
 * '' on the first page, where estimate is 1); item(x) is what each <li>
 * holds. On a first page the status gets count(res) and empty(res), an
 * <li> or null, is appended. With lockMore, "More" is disabled while a page
 * loads. load(true) starts again; a newer load wins over an older one.
 * It returns { status, list, more, load } for the caller to lay out.
 */
export function pagedList(ctx, { list, fetchPage, item, count, empty, lockMore = false }) {
  const { t } = ctx;
  const status = h('p', { class: 'results-status muted', role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'btn', hidden: true }, t('app.more'));
  let next = '';
  let token = 0;
  async function load(reset) {
    const mine = ++token;
    if (reset) {
      next = '';
      replace(list);
      status.textContent = t('app.loading');
    }
    if (lockMore) more.disabled = true;
    try {
      const res = await fetchPage({ after: reset ? '' : next, estimate: reset ? 1 : '' });
      if (mine !== token) return;
      for (const x of res.items) list.append(h('li', item(x)));
      next = res.next || '';
      more.hidden = !next;
      if (reset) {
        status.textContent = count(res);
        const none = empty(res);
        if (none) list.append(none);
      }
    } catch (err) {
      if (mine !== token) return;
      noteError(err);
      status.textContent = errorMessage(err, t);
    } finally {
      if (lockMore) more.disabled = false;
    }
  }
  more.addEventListener('click', () => load(false));
  return { status, list, more, load };
}
