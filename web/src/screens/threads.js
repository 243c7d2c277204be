// Threads: the list of the caller's conversations (last message, unread
// counts), one conversation live (realtime on `peerbase/threads/{id}`, read
// markers, photo attachments, the offer it is about, the exchanges agreed in
// it, propose an exchange, report or block), and /threads/new?offer=<id>,
// which opens the caller's thread on an offer (creating it if need be).
// It also provides the unread badge of the nav and the "Message", "Report"
// and "Block" actions of offers, messages and profiles.

import { provide, slot } from '../app/slots.js';
import { avatar, emptyState } from '../ui/common.js';
import { onChange, startLive } from '../ui/live.js';
import { blockButton, reportButton } from '../ui/report.js';
import { errorText, fmtDateTime, fmtWhen, me, parseDate, personName, srOnly } from '../ui/talk.js';
import { availabilityButton, exchangeEventText, proposeExchange, stateLabel } from './exchanges.js';
import './threads.css';

const PAGE = 50; // messages per page of a conversation
const TOKEN_TTL_MS = 100_000;
const RETRACT_MS = 5 * 60_000; // the server's default --retract-window // file tokens last 2 minutes: renew a little before

/** otherSide returns the participant of thread who isn't uid (expanded if it was). */
function otherOf(thread, uid) {
  const id = thread.owner === uid ? thread.peer : thread.owner;
  const rec = thread.owner === uid ? thread.expand?.peer : thread.expand?.owner;
  return { id, rec };
}

function unreadOf(thread, uid) {
  return (thread.owner === uid ? thread.owner_unread : thread.peer_unread) || 0;
}

function offerThumb(ctx, offer, size = '240x240') {
  const { h, pb } = ctx;
  const name = offer?.photos?.[0];
  if (!name) {
    return h('span', { class: 'ws-thumb ws-thumb-empty', 'aria-hidden': 'true' });
  }
  const meta = offer.photo_meta?.[name];
  return h('img', {
    class: 'ws-thumb',
    src: pb.files.getURL(offer, name, { thumb: size }),
    alt: '',
    width: 56,
    height: 56,
    loading: 'lazy',
    style: meta?.color ? `background-color:${meta.color}` : '',
  });
}

// ---------------------------------------------------------------- list

async function renderList(ctx) {
  const { h, t, pb } = ctx;
  startLive(pb);
  const uid = me(pb);
  const threads = new Map();
  const list = h('ul', { class: 'list ws-threads', 'aria-labelledby': 'ws-threads-title' });
  const empty = emptyState(t('threads.none_title'), t('threads.none'), h('a', { class: 'btn btn-primary', href: '/' }, t('threads.find')));

  const load = async () => {
    const page = await pb.collection('threads').getList(1, 100, {
      sort: '-last_message_at,-created',
      expand: 'offer,owner,peer',
      requestKey: null,
    });
    threads.clear();
    for (const th of page.items) {
      threads.set(th.id, th);
    }
  };

  const draw = () => {
    const rows = [...threads.values()].sort((a, b) =>
      String(b.last_message_at || b.created).localeCompare(String(a.last_message_at || a.created)));
    list.replaceChildren(...rows.map((th) => row(ctx, th, uid)));
    empty.hidden = rows.length > 0;
    list.hidden = rows.length === 0;
  };

  await load();
  draw();

  ctx.onCleanup(onChange(async (ev) => {
    if (ev.reload) {
      await load();
      draw();
      return;
    }
    if (ev.collection !== 'threads') {
      return;
    }
    if (ev.action === 'delete') {
      threads.delete(ev.id);
      draw();
      return;
    }
    const known = threads.get(ev.id);
    if (known) {
      threads.set(ev.id, { ...ev.record, expand: { ...known.expand, ...ev.record.expand } });
    } else {
      // a new conversation: read it with its offer and people
      try {
        threads.set(ev.id, await pb.collection('threads').getOne(ev.id, { expand: 'offer,owner,peer', requestKey: null }));
      } catch {
        return;
      }
    }
    draw();
  }));

  return h('section', { class: 'screen ws-screen' },
    h('h1', { id: 'ws-threads-title' }, t('threads.title')),
    empty,
    list,
  );
}

// the server writes a few previews in English (system moves, an
// attachment, a retraction): they read in the reader's language here
const STATES = ['requested', 'accepted', 'declined', 'cancelled', 'handed_over', 'returned', 'completed', 'disputed'];
const SERVER_PREVIEWS = new Map([
  ...STATES.map((s) => [`Exchange ${s.replace('_', ' ')}`, (t) => t('threads.exchange_is', { state: stateLabel(t, s) })]),
  ['📎 Attachment', (t) => t('threads.attachment')],
  ['Message retracted', (t) => t('threads.msg_retracted')],
]);

function previewText(t, text) {
  if (!text) {
    return t('threads.no_messages');
  }
  const known = SERVER_PREVIEWS.get(text);
  return known ? known(t) : text;
}

function row(ctx, th, uid) {
  const { h, t } = ctx;
  const other = otherOf(th, uid);
  const offer = th.expand?.offer;
  const unread = unreadOf(th, uid);
  const name = personName(t, other.rec);
  const preview = previewText(t, th.last_message);
  return h('li', { class: unread ? 'ws-thread ws-unread' : 'ws-thread' },
    h('a', { href: `/threads/${th.id}`, class: 'ws-thread-link' },
      offer?.photos?.length ? offerThumb(ctx, offer) : avatar(other.rec, 56),
      h('span', { class: 'ws-thread-text' },
        h('span', { class: 'ws-thread-top' },
          h('strong', { class: 'ws-thread-name' }, name),
          th.last_message_at ? h('time', { datetime: th.last_message_at, class: 'muted' }, fmtWhen(th.last_message_at)) : null,
        ),
        h('span', { class: 'ws-thread-offer muted' }, offer?.title || t('threads.offer_gone')),
        h('span', { class: 'ws-thread-preview' }, preview),
      ),
      unread
        ? h('span', { class: 'badge ws-badge' }, h('span', { 'aria-hidden': 'true' }, String(unread)),
          srOnly(h, t('threads.unread_n', { count: unread })))
        : null,
    ),
  );
}

// ---------------------------------------------------------- new thread

async function renderNew(ctx) {
  const { h, t, pb, query } = ctx;
  const uid = me(pb);
  const offerId = query.offer || '';
  const fail = (text) => h('section', { class: 'screen ws-screen' },
    h('h1', {}, t('threads.new_title')),
    h('p', { role: 'alert', class: 'form-error' }, text),
    offerId ? h('p', {}, h('a', { href: `/offers/${offerId}` }, t('threads.back_to_offer'))) : null,
  );
  if (!offerId) {
    return fail(t('threads.err.no_offer'));
  }
  const go = (id) => {
    const to = `/threads/${id}${query.propose ? '?propose=1' : ''}`;
    // after this screen is on the page: the router may not expect a
    // navigation while it is still rendering
    setTimeout(() => ctx.nav(to, { replace: true }), 0);
    return h('section', { class: 'screen ws-screen' }, h('h1', {}, t('threads.new_title')), h('p', { role: 'status' }, t('threads.opening')));
  };
  try {
    const found = await pb.collection('threads').getList(1, 1, {
      filter: pb.filter('offer = {:offer} && (peer = {:me} || owner = {:me})', { offer: offerId, me: uid }),
      requestKey: null,
    });
    const mine = found.items.find((th) => th.peer === uid);
    if (mine) {
      return go(mine.id);
    }
    const offer = await pb.collection('offers').getOne(offerId, { requestKey: null });
    if (offer.owner === uid) {
      return fail(t('threads.err.own_offer'));
    }
    const created = await pb.collection('threads').create({ offer: offerId, peer: uid }, { requestKey: null });
    return go(created.id);
  } catch (err) {
    return fail(err?.status === 404 ? t('threads.err.offer_missing') : errorText(t, err));
  }
}

// ---------------------------------------------------------- one thread

async function renderThread(ctx) {
  const { h, t, pb, params } = ctx;
  startLive(pb);
  const uid = me(pb);
  const id = params.id;
  let thread;
  try {
    thread = await pb.collection('threads').getOne(id, { expand: 'offer,owner,peer', requestKey: null });
  } catch (err) {
    return h('section', { class: 'screen ws-screen' },
      h('h1', {}, t('threads.not_found')),
      h('p', {}, err?.status === 404 ? t('threads.not_found_text') : errorText(t, err)),
      h('p', {}, h('a', { href: '/threads' }, t('threads.back'))));
  }
  const side = thread.owner === uid ? 'owner' : 'peer';
  const other = otherOf(thread, uid);
  const otherName = personName(t, other.rec);
  let offer = thread.expand?.offer || null;
  const people = { [thread.owner]: thread.expand?.owner, [thread.peer]: thread.expand?.peer };

  // ---- state
  const messages = new Map(); // id → message
  const exchanges = new Map(); // id → exchange of this thread
  let oldestPage = 1;
  let totalPages = 1;
  let fileToken = '';
  let fileTokenAt = 0;

  const token = async () => {
    if (!fileToken || Date.now() - fileTokenAt > TOKEN_TTL_MS) {
      fileToken = await pb.files.getToken({ requestKey: null });
      fileTokenAt = Date.now();
    }
    return fileToken;
  };

  const loadPage = async (page) => {
    const res = await pb.collection('messages').getList(page, PAGE, {
      filter: pb.filter('thread = {:id}', { id }),
      sort: '-created,-id',
      requestKey: null,
    });
    totalPages = res.totalPages;
    for (const m of res.items) {
      messages.set(m.id, m);
    }
  };
  const loadExchanges = async () => {
    const res = await pb.collection('exchanges').getList(1, 20, {
      filter: pb.filter('thread = {:id}', { id }),
      sort: '-created',
      requestKey: null,
    });
    exchanges.clear();
    for (const x of res.items) {
      exchanges.set(x.id, x);
    }
  };
  await Promise.all([loadPage(1), loadExchanges()]);
  if ([...messages.values()].some((m) => m.attachments?.length)) {
    await token().catch(() => {});
  }

  // ---- header: who, the offer, exchanges, actions
  const title = h('h1', { class: 'ws-thread-title' }, otherName);
  const offerBox = h('div', { class: 'ws-offer-box' });
  const drawOffer = () => {
    offerBox.replaceChildren(
      offer
        ? h('a', { href: `/offers/${offer.id}`, class: 'ws-offer-link' },
          offerThumb(ctx, offer),
          h('span', {},
            h('span', { class: 'ws-offer-title' }, offer.title),
            h('span', { class: 'muted ws-offer-kind' }, t(`threads.kind.${offer.kind}`) + priceText(offer))))
        : h('p', { class: 'muted' }, t('threads.offer_gone')),
    );
  };
  drawOffer();

  const exchangeList = h('ul', { class: 'ws-exchanges', 'aria-label': t('threads.exchanges') });
  const drawExchanges = () => {
    const xs = [...exchanges.values()].sort((a, b) => String(b.created).localeCompare(String(a.created)));
    exchangeList.replaceChildren(...xs.map((x) => h('li', {},
      h('a', { href: `/exchanges/${x.id}`, class: 'ws-exchange-link' },
        t('threads.exchange_is', { state: stateLabel(t, x.state) })))));
    exchangeList.hidden = xs.length === 0;
    proposeBtn.hidden = !canPropose();
  };
  const canPropose = () => side === 'peer' && offer && offer.status === 'active' &&
    ![...exchanges.values()].some((x) => ['requested', 'accepted', 'handed_over', 'returned'].includes(x.state) && !['lend', 'rent', 'service', 'experience'].includes(offer.kind));
  const proposeBtn = h('button', {
    type: 'button',
    class: 'btn btn-primary',
    onclick: () => proposeExchange(ctx, { offer, thread, onCreated: (x) => {
      exchanges.set(x.id, x);
      drawExchanges();
    } }),
  }, t('threads.propose'));

  const actions = h('div', { class: 'ws-actions' },
    proposeBtn,
    reportButton(ctx, { collection: 'users', id: other.id }),
    other.rec?.deleted ? null : blockButton(ctx, other.id, { name: otherName }),
  );
  drawExchanges();

  // ---- messages
  // a log region announces what is added to it: items are kept (keyed by
  // id and version) so that a new message is the only thing added
  const list = h('ol', { class: 'ws-messages' });
  const log = h('div', { role: 'log', 'aria-label': t('threads.messages'), class: 'ws-log' }, list);
  const items = new Map(); // id → {key, node}
  const earlier = h('button', {
    type: 'button',
    class: 'btn btn-small ws-earlier',
    onclick: async () => {
      earlier.disabled = true;
      try {
        await loadPage(++oldestPage);
        drawMessages(false);
      } catch (err) {
        ctx.toast(errorText(t, err), 'error');
      }
      earlier.disabled = false;
    },
  }, t('threads.earlier'));

  const otherReadAt = () => (side === 'owner' ? thread.peer_read_at : thread.owner_read_at) || '';

  const drawMessages = (scroll = true) => {
    const sorted = [...messages.values()].sort((a, b) =>
      String(a.created).localeCompare(String(b.created)) || a.id.localeCompare(b.id));
    // "Seen" goes under the newest of my messages the other side has read
    const readAt = otherReadAt();
    let seenId = '';
    for (const m of sorted) {
      if (m.author === uid && m.kind !== 'system' && readAt && m.created <= readAt) {
        seenId = m.id;
      }
    }
    const nodes = sorted.map((m) => {
      const seen = m.id === seenId;
      const key = `${m.updated}|${seen}|${fileToken ? 1 : 0}`;
      const known = items.get(m.id);
      if (known?.key === key) {
        return known.node;
      }
      const node = messageItem(ctx, m, { uid, people, fileToken, token, seen, onRetracted: (r) => {
        messages.set(r.id, r);
        drawMessages(false);
      } });
      items.set(m.id, { key, node });
      return node;
    });
    reconcile(list, nodes);
    earlier.hidden = oldestPage >= totalPages;
    if (scroll) {
      requestAnimationFrame(() => {
        list.lastElementChild?.scrollIntoView({ block: 'end' });
      });
    }
  };
  drawMessages();

  // ---- read marker
  let readTimer = 0;
  const sendRead = async () => {
    readTimer = 0;
    if (document.visibilityState !== 'visible') {
      return;
    }
    try {
      const updated = await pb.send(`/api/peerbase/threads/${id}/read`, { method: 'POST', requestKey: null });
      thread = { ...updated, expand: thread.expand };
    } catch {
      // the next message or visit marks it
    }
  };
  const markRead = () => {
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 300);
  };
  if (unreadOf(thread, uid) > 0) {
    markRead();
  }
  const onVisible = () => {
    if (document.visibilityState === 'visible' && unreadOf(thread, uid) > 0) {
      markRead();
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  ctx.onCleanup(() => {
    document.removeEventListener('visibilitychange', onVisible);
    if (readTimer) {
      // leaving right after a message came: it was seen
      clearTimeout(readTimer);
      sendRead();
    }
  });

  // ---- live
  const applyMessage = async (action, rec) => {
    if (!rec || rec.thread !== id) {
      return;
    }
    if (action === 'delete') {
      messages.delete(rec.id);
    } else {
      const known = messages.get(rec.id);
      if (known && known.updated > rec.updated) {
        return;
      }
      if (rec.attachments?.length) {
        await token().catch(() => {});
      }
      messages.set(rec.id, rec);
      if (!known && rec.author !== uid) {
        markRead();
      }
    }
    drawMessages(action === 'create');
  };
  const applyThread = (rec) => {
    if (rec.id !== id || (thread.updated && rec.updated < thread.updated)) {
      return;
    }
    thread = { ...rec, expand: thread.expand };
    drawMessages(false);
  };
  const applyExchange = (action, rec, xid) => {
    if (action === 'delete') {
      exchanges.delete(xid);
    } else if (rec.thread === id) {
      exchanges.set(rec.id, rec);
    } else {
      return;
    }
    drawExchanges();
  };

  const stopLive = onChange(async (ev) => {
    if (ev.reload) {
      await Promise.all([loadPage(1), loadExchanges()]).catch(() => {});
      drawMessages();
      drawExchanges();
      return;
    }
    if (ev.collection === 'messages') {
      if (ev.action === 'delete') {
        if (messages.has(ev.id)) {
          messages.delete(ev.id);
          drawMessages(false);
        }
        return;
      }
      await applyMessage(ev.action, ev.record);
    } else if (ev.collection === 'threads' && ev.record) {
      applyThread(ev.record);
    } else if (ev.collection === 'exchanges') {
      applyExchange(ev.action, ev.record, ev.id);
    } else if (ev.collection === 'offers' && ev.record?.id === offer?.id) {
      offer = ev.record;
      drawOffer();
    }
  });
  ctx.onCleanup(stopLive);

  // holding this topic also tells the server this thread is on screen (no
  // push for it): it is held only while the page is visible, so that a
  // conversation left open in a background tab still gets its pushes (the
  // inbox and the catch-up keep the screen current meanwhile)
  let stopTopic = null;
  let holding = 0; // the generation of the hold in force, 0 when none
  let gen = 0;
  let left = false;
  const hold = () => {
    if (holding || left) {
      return;
    }
    const mine = ++gen;
    holding = mine;
    pb.realtime.subscribe(`peerbase/threads/${id}`, (e) => {
      if (e?.collection === 'messages') {
        applyMessage(e.action, e.record);
      } else if (e?.collection === 'threads' && e.record) {
        applyThread(e.record);
      }
    }).then((stop) => {
      if (holding !== mine || left) {
        stop().catch(() => {}); // released (or held again) meanwhile
      } else {
        stopTopic = stop;
      }
    }, () => {
      if (holding === mine) {
        holding = 0;
      }
    });
  };
  const release = () => {
    holding = 0;
    const stop = stopTopic;
    stopTopic = null;
    stop?.().catch(() => {});
  };
  const onTopicVisibility = () => (document.visibilityState === 'visible' ? hold() : release());
  document.addEventListener('visibilitychange', onTopicVisibility);
  ctx.onCleanup(() => {
    left = true;
    document.removeEventListener('visibilitychange', onTopicVisibility);
    release();
  });
  if (document.visibilityState === 'visible') {
    hold();
  }

  // ---- composer
  const composer = composerForm(ctx, {
    thread,
    uid,
    onSent: async (msg) => {
      await applyMessage('create', msg);
    },
  });

  if (ctx.query?.propose && canPropose()) {
    setTimeout(() => proposeBtn.click(), 0);
  }

  return h('section', { class: 'screen ws-screen ws-chat' },
    h('header', { class: 'ws-chat-head' },
      h('p', { class: 'ws-back' }, h('a', { href: '/threads' }, t('threads.all'))),
      h('div', { class: 'ws-who' },
        avatar(other.rec, 40),
        h('div', {},
          title,
          other.rec && !other.rec.deleted
            ? h('a', { href: `/people/${other.id}`, class: 'ws-profile-link' }, t('threads.profile', { name: otherName }))
            : null)),
      offerBox,
      exchangeList,
      actions,
    ),
    earlier,
    log,
    composer,
  );
}

// reconcile makes parent's children exactly nodes, touching only what
// changed (a live region then announces only the new items)
function reconcile(parent, nodes) {
  let cur = parent.firstChild;
  for (const n of nodes) {
    if (n === cur) {
      cur = cur.nextSibling;
      continue;
    }
    parent.insertBefore(n, cur);
  }
  while (cur) {
    const next = cur.nextSibling;
    cur.remove();
    cur = next;
  }
}

function priceText(offer) {
  if (!offer?.price) {
    return '';
  }
  try {
    const money = new Intl.NumberFormat(document.documentElement.lang || 'en', {
      style: 'currency',
      currency: offer.currency || 'EUR',
    }).format(offer.price);
    return ` · ${money}`;
  } catch {
    return ` · ${offer.price}`;
  }
}

function messageItem(ctx, m, { uid, people, fileToken, token, seen, onRetracted }) {
  const { h, t, pb } = ctx;
  const time = h('time', { datetime: m.created, class: 'muted ws-time', title: fmtDateTime(m.created) }, fmtWhen(m.created));
  if (m.kind === 'system') {
    const ev = m.event || {};
    return h('li', { class: 'ws-msg ws-system' },
      h('p', {}, exchangeEventText(t, ev, { uid, people })),
      ev.exchange ? h('a', { href: `/exchanges/${ev.exchange}` }, t('threads.view_exchange')) : null,
      ' ', time);
  }
  const mine = m.author === uid;
  const author = personName(t, people[m.author]);
  const body = [];
  if (m.deleted) {
    body.push(h('p', { class: 'muted ws-gone' }, t('threads.msg_deleted')));
  } else if (m.retracted) {
    body.push(h('p', { class: 'muted ws-gone' }, t('threads.msg_retracted')));
  } else {
    if (m.body) {
      body.push(h('p', { class: 'ws-body' }, m.body));
    }
    // file tokens last minutes: a link opened later asks for a fresh one
    const open = (name) => async (e) => {
      e.preventDefault();
      const win = window.open('', '_blank');
      try {
        const url = pb.files.getURL(m, name, { token: await token() });
        if (win) {
          win.opener = null;
          win.location.href = url;
        } else {
          location.href = url;
        }
      } catch (err) {
        win?.close();
        ctx.toast(errorText(t, err), 'error');
      }
    };
    for (const name of m.attachments || []) {
      const meta = m.attachment_meta?.[name];
      const full = pb.files.getURL(m, name, { token: fileToken });
      if (/\.pdf$/i.test(name)) {
        body.push(h('a', { href: full, target: '_blank', rel: 'noopener', onclick: open(name) }, t('threads.pdf')));
        continue;
      }
      const w = meta?.width || 480;
      const hgt = meta?.height || 360;
      body.push(h('a', { href: full, target: '_blank', rel: 'noopener', class: 'ws-photo-link', onclick: open(name) },
        h('img', {
          class: 'ws-photo',
          src: pb.files.getURL(m, name, { thumb: '480x0', token: fileToken }),
          alt: mine ? t('threads.photo_mine') : t('threads.photo_from', { name: author }),
          width: w,
          height: hgt,
          style: `aspect-ratio:${w}/${hgt};${meta?.color ? `background-color:${meta.color}` : ''}`,
          // an expired file token: once more with a fresh one
          onerror: async (e) => {
            const img = e.currentTarget;
            if (img.dataset.retried) {
              return;
            }
            img.dataset.retried = '1';
            try {
              img.src = pb.files.getURL(m, name, { thumb: '480x0', token: await token() });
            } catch {
              // offline: the alt text stands
            }
          },
        })));
    }
  }
  const tools = h('div', { class: 'ws-msg-tools' });
  if (!mine && !m.deleted && !m.retracted) {
    const extra = slot('message.actions', ctx, m);
    if (extra) {
      tools.append(extra);
    }
  }
  const age = Date.now() - (parseDate(m.created)?.getTime() || 0);
  if (mine && !m.retracted && !m.deleted && age < RETRACT_MS) {
    const retract = h('button', {
      type: 'button',
      class: 'btn btn-small btn-quiet',
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        try {
          onRetracted(await pb.send(`/api/peerbase/messages/${m.id}/retract`, { method: 'POST', requestKey: null }));
        } catch (err) {
          ctx.toast(errorText(t, err), 'error');
        }
      },
    }, t('threads.retract'));
    tools.append(retract);
    // the server's window (--retract-window, 5 minutes by default) closes
    setTimeout(() => retract.remove(), RETRACT_MS - age);
  }
  return h('li', { class: mine ? 'ws-msg ws-mine' : 'ws-msg ws-theirs' },
    h('div', { class: 'ws-bubble' },
      h('p', { class: 'ws-author' }, mine ? srOnly(h, t('threads.you_said')) : author),
      ...body),
    h('div', { class: 'ws-meta' }, time, seen ? h('span', { class: 'ws-seen' }, ' · ', t('threads.seen')) : null),
    tools.childNodes.length ? tools : null,
  );
}

function composerForm(ctx, { thread, uid, onSent }) {
  const { h, t, pb } = ctx;
  const bodyId = `ws-body-${thread.id}`;
  const fileId = `ws-file-${thread.id}`;
  const error = h('p', { class: 'form-error', role: 'alert' });
  const text = h('textarea', { id: bodyId, name: 'body', rows: 2, maxlength: 4000, placeholder: t('threads.write') });
  const file = h('input', { id: fileId, type: 'file', accept: 'image/*', class: 'ws-file-input' });
  const chosen = h('span', { class: 'ws-chosen', 'aria-live': 'polite' });
  const clearFile = h('button', {
    type: 'button',
    class: 'btn btn-small btn-quiet',
    hidden: true,
    onclick: () => {
      file.value = '';
      showFile();
      file.focus();
    },
  }, t('threads.remove_photo'));
  const send = h('button', { type: 'submit', class: 'btn btn-primary' }, t('threads.send'));
  const showFile = () => {
    const f = file.files?.[0];
    chosen.textContent = f ? t('threads.photo_chosen', { name: f.name }) : '';
    clearFile.hidden = !f;
  };
  file.addEventListener('change', showFile);

  const form = h('form', {
    class: 'ws-composer',
    'aria-label': t('threads.composer'),
    onsubmit: async (e) => {
      e.preventDefault();
      const body = text.value;
      const f = file.files?.[0];
      if (!body.trim() && !f) {
        error.textContent = t('threads.err.empty');
        text.focus();
        return;
      }
      send.disabled = true;
      error.textContent = '';
      const data = { thread: thread.id, author: uid, body };
      if (f) {
        data.attachments = f;
        send.textContent = t('threads.sending_photo');
      }
      try {
        const msg = await pb.collection('messages').create(data, { requestKey: null });
        text.value = '';
        file.value = '';
        showFile();
        await onSent(msg);
      } catch (err) {
        error.textContent = errorText(t, err);
      } finally {
        send.disabled = false;
        send.textContent = t('threads.send');
        text.focus();
      }
    },
  },
  h('div', { class: 'field ws-compose-field' },
    h('label', { for: bodyId }, t('threads.message')),
    text,
  ),
  h('div', { class: 'ws-compose-row' },
    h('label', { for: fileId, class: 'btn btn-small ws-attach' }, t('threads.attach')),
    file,
    chosen,
    clearFile,
    send,
  ),
  error);
  text.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  return form;
}

// ---------------------------------------------------------------- badge

let badgeCount = -1;
const badges = new Set();
let badgeTimer = 0;
let badgeWired = false;

function refreshBadge(pb) {
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    const uid = me(pb);
    if (!uid) {
      badgeCount = 0;
    } else {
      try {
        const res = await pb.collection('threads').getList(1, 1, {
          filter: pb.filter('(owner = {:me} && owner_unread > 0) || (peer = {:me} && peer_unread > 0)', { me: uid }),
          fields: 'id',
          requestKey: null,
        });
        badgeCount = res.totalItems;
      } catch {
        return;
      }
    }
    for (const draw of badges) {
      draw();
    }
  }, 150);
}

/** threadsBadge is the nav's unread badge: how many conversations have unread messages. */
export function threadsBadge(ctx) {
  const { h, t, pb } = ctx;
  startLive(pb);
  const el = h('span', { class: 'badge ws-nav-badge', hidden: true });
  const draw = () => {
    el.hidden = !(badgeCount > 0);
    el.replaceChildren(h('span', { 'aria-hidden': 'true' }, badgeCount > 99 ? '99+' : String(badgeCount)),
      srOnly(h, ` (${t('threads.unread_threads', { count: badgeCount })})`));
  };
  badges.add(draw);
  ctx.onCleanup(() => badges.delete(draw)); // the nav is drawn again
  if (!badgeWired) {
    badgeWired = true;
    onChange((ev) => {
      if (ev.reload || ev.collection === 'threads') {
        refreshBadge(pb);
      }
    });
    pb.authStore.onChange(() => refreshBadge(pb));
  }
  if (badgeCount < 0) {
    refreshBadge(pb);
  } else {
    draw();
    refreshBadge(pb);
  }
  return el;
}

// ------------------------------------------------------------- slots

provide('nav.badges', (ctx, which) => {
  if (which && which !== 'threads' && which !== '/threads' && which !== 'messages') {
    return null;
  }
  if (!me(ctx.pb)) {
    return null;
  }
  return threadsBadge(ctx);
});

provide('offer.actions', (ctx, offer) => {
  const { h, t, pb } = ctx;
  const uid = me(pb);
  if (!offer || !uid) {
    return null;
  }
  if (offer.owner === uid) {
    // the owner of a lend or rent offer says which days it isn't lent
    return ['lend', 'rent'].includes(offer.kind) ? availabilityButton(ctx, offer) : null;
  }
  const box = h('span', { class: 'ws-offer-actions' });
  // the offer page has its own "Message" button (web)
  box.append(reportButton(ctx, { collection: 'offers', id: offer.id }));
  box.append(blockButton(ctx, offer.owner, { name: offer.expand?.owner ? personName(t, offer.expand.owner) : undefined }));
  return box;
});

provide('message.actions', (ctx, message) => reportButton(ctx, { collection: 'messages', id: message.id }));

provide('profile.actions', (ctx, person) => {
  const { h, t, pb } = ctx;
  const id = typeof person === 'string' ? person : person?.id;
  if (!id || !me(pb) || id === me(pb)) {
    return null;
  }
  return h('span', { class: 'ws-profile-actions' },
    reportButton(ctx, { collection: 'users', id }),
    blockButton(ctx, id, { name: typeof person === 'object' ? personName(t, person) : undefined }));
});

export const routes = [
  { path: '/threads', auth: true, render: renderList },
  { path: '/threads/new', auth: true, render: renderNew },
  { path: '/threads/:id', auth: true, render: (ctx) => (ctx.params.id === 'new' ? renderNew(ctx) : renderThread(ctx)) },
];
