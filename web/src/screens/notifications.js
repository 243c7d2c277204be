// The notification centre (/notifications): the list, newest first, mark
// one or all read, each linking to the screen it is about; and the unread
// count in the nav (slot nav.badges), kept live by peerbase/inbox.
// (owner: webwants)
import { provide } from '../app/slots.js';
import { timeAgo, emptyState } from '../ui/common.js';
import { apiMessage } from '../ui/people.js';
import './wants.css';

const PAGE = 20;

// The unread count, shared by every badge on the page.
const unread = { count: 0, listeners: new Set(), loaded: '', unsub: null };

function setUnread(n) {
  unread.count = Math.max(0, n);
  for (const fn of unread.listeners) fn(unread.count);
}

async function refreshUnread(pb) {
  try {
    const r = await pb.collection('notifications').getList(1, 1, { filter: 'read = false', fields: 'id' });
    setUnread(r.totalItems);
  } catch {
    // offline: keep the last count
  }
}

// watchUnread loads the count once per signed-in person and follows it on
// the inbox for the life of the page (the badge lives in the shell's nav).
async function watchUnread(pb) {
  const me = pb.authStore.record?.id || '';
  if (unread.loaded === me) return;
  unread.loaded = me;
  if (unread.unsub) {
    unread.unsub().catch(() => {});
    unread.unsub = null;
  }
  if (!me) return setUnread(0);
  await refreshUnread(pb);
  try {
    unread.unsub = await pb.realtime.subscribe('peerbase/inbox', (e) => {
      if (e.collection !== 'notifications') return;
      // a create, a mark read elsewhere, a delete: recount (one small query)
      refreshUnread(pb);
    });
  } catch {
    // offline
  }
}

/** notificationLink returns the app path a notification opens. */
export function notificationLink(n) {
  const d = n.data || {};
  if (n.type === 'swap' && d.match && !d.swap) return `/matches/${d.match}`;
  if (n.type === 'swap' && d.swap) return `/swaps/${d.swap}`;
  if (n.type === 'digest') return '/wants';
  if (n.link && n.link.startsWith('/') && !n.link.startsWith('//')) return n.link;
  return '/notifications';
}

// The shell asks each nav item with a badge for its own ('threads',
// 'notifications'): this one answers for the notifications.
provide('nav.badges', (ctx, which) => {
  const { h, t, pb } = ctx;
  if (which !== 'notifications' || !pb.authStore.isValid) return null;
  const num = h('span', { 'aria-hidden': 'true' });
  const text = h('span', { class: 'visually-hidden' });
  const badge = h('span', { class: 'badge badge-count nav-badge-notifications', hidden: true }, num, text);
  const show = (n) => {
    badge.hidden = n === 0;
    num.textContent = n > 99 ? '99+' : String(n);
    text.textContent = n ? ` (${t('notif.badge', { count: n })})` : '';
  };
  unread.listeners.add(show);
  ctx.onCleanup(() => unread.listeners.delete(show));
  show(unread.count);
  watchUnread(pb);
  return badge;
});

export const routes = [{ path: '/notifications', auth: true, render: notificationsScreen }];

async function notificationsScreen(ctx) {
  const { h, t, pb } = ctx;
  const shownAt = new Date().toISOString().replace('T', ' ');
  const list = h('ul', { class: 'list notif-list' });
  const empty = emptyState(t('notif.empty'));
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, t('notif.more'));
  const markAll = h('button', { type: 'button', class: 'btn btn-secondary' }, t('notif.markAll'));
  const status = h('p', { role: 'status', class: 'visually-hidden' });
  const items = new Map();
  let last = null; // the oldest item shown: the next page starts after it

  const markRead = async (ids) => {
    const r = await pb.send('/api/peerbase/notifications/read', { method: 'POST', body: { ids } });
    if (typeof r.unread === 'number') setUnread(r.unread);
    return r;
  };

  const item = (n) => {
    const li = h('li', { class: `notif-item card${n.read ? '' : ' notif-unread'}` });
    const readBtn = h('button', { type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': `${t('notif.markRead')}: ${n.title}` }, t('notif.markRead'));
    const unreadTag = h('span', { class: 'tag' }, t('notif.unread'));
    const setRead = () => {
      n.read = true;
      li.classList.remove('notif-unread');
      readBtn.remove();
      unreadTag.remove();
    };
    readBtn.addEventListener('click', async () => {
      readBtn.disabled = true;
      try {
        await markRead([n.id]);
        const focusTo = li.querySelector('a');
        setRead();
        focusTo?.focus();
      } catch (err) {
        readBtn.disabled = false;
        ctx.toast(apiMessage(err), 'error');
      }
    });
    const del = h('button', { type: 'button', class: 'btn btn-quiet btn-small', 'aria-label': `${t('notif.delete')}: ${n.title}` }, t('notif.delete'));
    del.addEventListener('click', async () => {
      del.disabled = true;
      try {
        await pb.collection('notifications').delete(n.id);
        const next = li.nextElementSibling || li.previousElementSibling;
        li.remove();
        items.delete(n.id);
        if (!n.read) refreshUnread(pb);
        empty.hidden = list.children.length > 0;
        (next?.querySelector('a') || markAll).focus();
      } catch (err) {
        del.disabled = false;
        ctx.toast(apiMessage(err), 'error');
      }
    });
    const link = h('a', { href: notificationLink(n), class: 'notif-link', onclick: () => {
      if (!n.read) markRead([n.id]).catch(() => {});
    } }, n.title);
    li.append(
      h('div', { class: 'notif-head' }, link, n.read ? null : unreadTag),
      n.text ? h('p', {}, n.text) : null,
      h('p', { class: 'muted' }, h('time', { datetime: n.created.replace(' ', 'T') }, timeAgo(n.created))),
      h('div', { class: 'actions' }, n.read ? null : readBtn, del),
    );
    items.set(n.id, { n, setRead });
    return li;
  };

  const load = async () => {
    more.disabled = true;
    try {
      const opts = { sort: '-created,-id', skipTotal: true };
      if (last) opts.filter = pb.filter('created < {:c} || (created = {:c} && id < {:id})', { c: last.created, id: last.id });
      const r = await pb.collection('notifications').getList(1, PAGE, opts);
      const before = list.children.length;
      for (const n of r.items) if (!items.has(n.id)) list.append(item(n));
      if (last) list.children[before]?.querySelector('a')?.focus();
      if (r.items.length) last = r.items[r.items.length - 1];
      more.hidden = r.items.length < PAGE;
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      more.disabled = false;
      empty.hidden = list.children.length > 0;
    }
  };
  more.addEventListener('click', load);

  markAll.addEventListener('click', async () => {
    markAll.disabled = true;
    try {
      await pb.send('/api/peerbase/notifications/read', { method: 'POST', body: { all: true, before: shownAt } });
      for (const { n, setRead } of items.values()) if (!n.read && n.created <= shownAt) setRead();
      refreshUnread(pb);
      status.textContent = t('notif.allRead');
      ctx.toast(t('notif.allRead'), 'success');
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      markAll.disabled = false;
    }
  });

  await load();
  watchUnread(pb);

  // new notifications come in at the top while the screen is open
  try {
    const unsub = await pb.realtime.subscribe('peerbase/inbox', (e) => {
      if (e.collection !== 'notifications') return;
      const known = items.get(e.record?.id);
      if (e.action === 'create' && !known) {
        list.prepend(item(e.record));
        empty.hidden = true;
      } else if (e.action === 'update' && known && e.record.read) {
        known.setRead();
      }
    });
    ctx.onCleanup(() => unsub().catch(() => {}));
  } catch {
    // offline
  }

  return h('section', { class: 'screen notifications' },
    h('div', { class: 'screen-head' }, h('h1', {}, t('notif.title')), markAll),
    status,
    list,
    empty,
    more,
  );
}
