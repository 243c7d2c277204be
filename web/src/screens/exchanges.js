// Exchanges: propose one from a thread (dates checked against the offer's
// availability for lends and rentals), and /exchanges/:id, the exchange with
// every move its state allows the caller (the server's state machine,
// mirrored here only to decide which buttons to show: the server checks
// every move), its history, and the way to the review once it is completed.

import { blockButton, reportButton } from '../ui/report.js';
import { onChange, startLive } from '../ui/live.js';
import {
  confirmDialog, errorText, fieldErrors, fmtDateTime, fmtDay, isoDay, localMidnight, me, modal, parseDate, pbDate,
  personName,
} from '../ui/talk.js';
import './threads.css';

const RETURNABLE = ['lend', 'rent'];
const PRICED = ['sell', 'rent', 'service', 'experience'];
const DAY_MS = 86_400_000;

/** stateLabel is a state in the reader's language ("Handed over"). */
export function stateLabel(t, state) {
  return t(`exchanges.state.${state || 'requested'}`);
}

/**
 * exchangeEventText renders a system message's event ({from, to, by}) in
 * the reader's language: "You accepted the exchange", "Ana asked for an
 * exchange", "A moderator cancelled the exchange".
 */
export function exchangeEventText(t, ev, { uid, people }) {
  const to = ev.to || 'requested';
  const move = ev.from ? to : 'requested';
  if (ev.by === 'moderator' || ev.by === 'system') {
    return t(`exchanges.event.${ev.by}.${move}`);
  }
  if (ev.by === uid) {
    return t(`exchanges.event.you.${move}`);
  }
  return t(`exchanges.event.they.${move}`, { name: personName(t, people?.[ev.by]) });
}

/** moves lists the moves role ("owner" or "requester") may make on x now. */
export function moves(x, kind, role) {
  const returnable = kind ? RETURNABLE.includes(kind) : null; // null: the offer is gone
  const mine = role === 'owner' ? x.owner_confirmed_at : x.requester_confirmed_at;
  const out = [];
  switch (x.state) {
    case 'requested':
      if (role === 'owner') {
        out.push('accepted', 'declined');
      } else {
        out.push('cancelled');
      }
      break;
    case 'accepted':
      if (role === 'requester') {
        out.push('handed_over');
      }
      out.push('cancelled', 'disputed');
      break;
    case 'handed_over':
      if (returnable !== false && role === 'owner') {
        out.push('returned');
      }
      if (returnable !== true && !mine) {
        out.push('completed');
      }
      out.push('disputed');
      break;
    case 'returned':
      if (!mine) {
        out.push('completed');
      }
      out.push('disputed');
      break;
    case 'completed':
      out.push('disputed');
      break;
    default:
  }
  return out;
}

// the moves that ask "are you sure?" first
const CONFIRM = ['declined', 'cancelled', 'disputed'];

/**
 * dateRangeInputs makes the first-day and last-day date inputs of a range
 * (ids `${prefix}-start` and `${prefix}-end`, none before today). Picking
 * a first day keeps the last day from coming before it: the last day's min
 * follows, and a last day before it moves to it (with fillEmpty, an empty
 * last day does too). missing(error) is the form's check that both days
 * are given: when one is not, it says so in error, focuses the first empty
 * input and returns true.
 */
function dateRangeInputs({ h, t }, prefix, today, { fillEmpty = false } = {}) {
  const startIn = h('input', { type: 'date', id: `${prefix}-start`, min: today, required: true });
  const endIn = h('input', { type: 'date', id: `${prefix}-end`, min: today, required: true });
  startIn.addEventListener('change', () => {
    endIn.min = startIn.value || today;
    if (endIn.value ? endIn.value < startIn.value : fillEmpty) {
      endIn.value = startIn.value;
    }
  });
  const missing = (error) => {
    if (startIn.value && endIn.value) {
      return false;
    }
    error.textContent = t('exchanges.err.dates');
    (startIn.value ? endIn : startIn).focus();
    return true;
  };
  return { startIn, endIn, missing };
}

// --------------------------------------------------------------- propose

/**
 * proposeExchange opens the request form for offer in thread: dates for a
 * lend or a rental (with the days already taken), a price for what is sold
 * or rented. onCreated(exchange) runs once the request is sent.
 */
export function proposeExchange(ctx, { offer, thread, onCreated }) {
  const { h, t, pb } = ctx;
  const uid = me(pb);
  const returnable = RETURNABLE.includes(offer.kind);
  const priced = PRICED.includes(offer.kind) || offer.price > 0;
  const today = isoDay(new Date());
  const busy = []; // [{start: Date, end: Date}] half-open
  const busyList = h('ul', { class: 'ws-busy' });
  const busyBox = h('div', { class: 'ws-busy-box', hidden: true },
    h('p', { class: 'ws-busy-title' }, t('exchanges.taken')), busyList);

  if (returnable) {
    const to = new Date(Date.now() + 180 * DAY_MS);
    pb.send(`/api/peerbase/offers/${offer.id}/availability`, {
      query: { from: today, to: isoDay(to) },
      requestKey: null,
    }).then((res) => {
      for (const b of res.busy || []) {
        const start = parseDate(b.start);
        const end = parseDate(b.end);
        if (start && end) {
          busy.push({ start, end });
        }
      }
      busyList.replaceChildren(...busy.map((b) => h('li', {},
        t('exchanges.range', { from: fmtDay(b.start), to: fmtDay(new Date(b.end.getTime() - 1)) }))));
      busyBox.hidden = busy.length === 0;
    }).catch(() => {});
  }

  modal(h, {
    title: t('exchanges.propose_title', { title: offer.title }),
    content: (close) => {
      const error = h('p', { class: 'form-error', role: 'alert' });
      const { startIn, endIn, missing } = dateRangeInputs(ctx, 'ws-x', today);
      const priceIn = h('input', {
        type: 'number', id: 'ws-x-price', min: 0, step: '0.01', inputmode: 'decimal',
        value: offer.price ? String(offer.price) : '',
      });
      const send = h('button', { type: 'submit', class: 'btn btn-primary' }, t('exchanges.send_request'));
      const form = h('form', {
        class: 'form ws-form',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = '';
          const data = { offer: offer.id, requester: uid, thread: thread.id };
          if (returnable) {
            if (missing(error)) {
              return;
            }
            const start = localMidnight(startIn.value);
            // the last day is included: the exchange ends at the next midnight
            const end = new Date(localMidnight(endIn.value).getTime() + DAY_MS);
            if (end <= start) {
              error.textContent = t('exchanges.err.order');
              endIn.focus();
              return;
            }
            if (busy.some((b) => b.start < end && start < b.end)) {
              error.textContent = t('exchanges.err.taken');
              startIn.focus();
              return;
            }
            data.start = pbDate(start);
            data.end = pbDate(end);
          }
          if (priced && priceIn.value !== '') {
            const price = Number(priceIn.value);
            if (!(price >= 0)) {
              error.textContent = t('exchanges.err.price');
              priceIn.focus();
              return;
            }
            data.agreed_price = price;
          }
          send.disabled = true;
          try {
            const x = await pb.collection('exchanges').create(data, { requestKey: null });
            close();
            ctx.toast(t('exchanges.requested_toast'), 'success');
            onCreated?.(x);
          } catch (err) {
            error.textContent = errorText(t, err);
            const fields = fieldErrors(err);
            if (fields.start || fields.end) {
              startIn.focus();
            }
            send.disabled = false;
          }
        },
      },
      h('p', { class: 'muted' }, t(`exchanges.propose_help.${returnable ? 'dates' : 'simple'}`)),
      returnable ? h('div', { class: 'ws-dates' },
        h('div', { class: 'field' }, h('label', { for: 'ws-x-start' }, t('exchanges.first_day')), startIn),
        h('div', { class: 'field' }, h('label', { for: 'ws-x-end' }, t('exchanges.last_day')), endIn),
      ) : null,
      returnable ? busyBox : null,
      priced ? h('div', { class: 'field' },
        h('label', { for: 'ws-x-price' }, t('exchanges.price', { currency: offer.currency || 'EUR' })), priceIn) : null,
      error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close() }, t('threads.cancel')),
        send,
      ));
      return form;
    },
  });
}

// ----------------------------------------------------------- availability

/**
 * zonedMidnight is the instant of midnight starting the day `value`
 * ("2027-03-10") in the IANA zone tz (UTC when empty): the whole days the
 * server expects of an availability block.
 */
export function zonedMidnight(value, tz) {
  const [y, m, d] = String(value).split('-').map(Number);
  const guess = Date.UTC(y, m - 1, d);
  if (!tz) {
    return new Date(guess);
  }
  const offset = (at) => {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - at;
  };
  let at = guess - offset(guess);
  at = guess - offset(at); // once more, in case a daylight-saving change lies between
  return new Date(at);
}

/**
 * availabilityButton lets the owner of a lend or rent offer say which days
 * they don't lend it (availability blocks), beside the days already booked.
 */
export function availabilityButton(ctx, offer) {
  const { h, t } = ctx;
  return h('button', { type: 'button', class: 'btn btn-small', onclick: () => openAvailability(ctx, offer) },
    t('exchanges.availability'));
}

function openAvailability(ctx, offer) {
  const { h, t, pb } = ctx;
  const tz = pb.authStore.record?.timezone || '';
  const today = isoDay(new Date());
  const blocksList = h('ul', { class: 'ws-busy' });
  const busyList = h('ul', { class: 'ws-busy' });
  const status = h('p', { role: 'status', class: 'muted' });
  const dayRange = (start, end) => t('exchanges.range', {
    from: fmtDay(new Date(parseDate(start).getTime() + 1)),
    to: fmtDay(new Date(parseDate(end).getTime() - 1)),
  });
  const load = async () => {
    const [blocks, avail] = await Promise.all([
      pb.collection('availability_blocks').getFullList({
        filter: pb.filter('offer = {:o} && end > {:now}', { o: offer.id, now: pbDate(new Date()) }),
        sort: 'start',
        requestKey: null,
      }),
      pb.send(`/api/peerbase/offers/${offer.id}/availability`, {
        query: { from: today, to: isoDay(new Date(Date.now() + 365 * DAY_MS)) },
        requestKey: null,
      }),
    ]);
    blocksList.replaceChildren(...blocks.map((b) => h('li', { class: 'ws-block-item' },
      h('span', {}, dayRange(b.start, b.end)), ' ',
      h('button', {
        type: 'button',
        class: 'btn btn-small btn-quiet',
        'aria-label': t('exchanges.unblock_days', { range: dayRange(b.start, b.end) }),
        onclick: async () => {
          try {
            await pb.collection('availability_blocks').delete(b.id, { requestKey: null });
            status.textContent = t('exchanges.days_freed');
            await load();
          } catch (err) {
            status.textContent = errorText(t, err);
          }
        },
      }, t('exchanges.unblock')))));
    if (!blocks.length) {
      blocksList.replaceChildren(h('li', { class: 'muted' }, t('exchanges.no_blocks')));
    }
    busyList.replaceChildren(...(avail.busy || []).map((b) => h('li', {}, dayRange(b.start, b.end))));
    if (!(avail.busy || []).length) {
      busyList.replaceChildren(h('li', { class: 'muted' }, t('exchanges.all_free')));
    }
  };

  modal(h, {
    title: t('exchanges.availability_title', { title: offer.title }),
    content: (close) => {
      const error = h('p', { class: 'form-error', role: 'alert' });
      const { startIn, endIn, missing } = dateRangeInputs(ctx, 'ws-b', today, { fillEmpty: true });
      const add = h('button', { type: 'submit', class: 'btn btn-primary' }, t('exchanges.block_days'));
      const form = h('form', {
        class: 'form ws-form',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          error.textContent = '';
          if (missing(error)) {
            return;
          }
          if (endIn.value < startIn.value) {
            error.textContent = t('exchanges.err.order');
            endIn.focus();
            return;
          }
          const start = zonedMidnight(startIn.value, tz);
          // the last day is included: the block ends at the next midnight
          const next = new Date(localMidnight(endIn.value).getTime() + DAY_MS + 12 * 3_600_000);
          const end = zonedMidnight(isoDay(next), tz);
          add.disabled = true;
          try {
            await pb.collection('availability_blocks').create({ offer: offer.id, start: pbDate(start), end: pbDate(end) },
              { requestKey: null });
            startIn.value = '';
            endIn.value = '';
            status.textContent = t('exchanges.days_blocked');
            await load();
          } catch (err) {
            error.textContent = errorText(t, err);
          }
          add.disabled = false;
        },
      },
      h('p', { class: 'muted' }, t('exchanges.availability_help')),
      h('section', { 'aria-labelledby': 'ws-b-blocks' }, h('h3', { id: 'ws-b-blocks' }, t('exchanges.blocked_days')), blocksList),
      h('section', { 'aria-labelledby': 'ws-b-busy' }, h('h3', { id: 'ws-b-busy' }, t('exchanges.busy_days')), busyList),
      h('fieldset', { class: 'ws-fieldset' },
        h('legend', {}, t('exchanges.add_block')),
        h('div', { class: 'ws-dates' },
          h('div', { class: 'field' }, h('label', { for: 'ws-b-start' }, t('exchanges.first_day')), startIn),
          h('div', { class: 'field' }, h('label', { for: 'ws-b-end' }, t('exchanges.last_day')), endIn))),
      error,
      status,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close() }, t('exchanges.done')),
        add));
      return form;
    },
  });
  load().catch((err) => {
    status.textContent = errorText(t, err);
  });
}

// ------------------------------------------------------------ the screen

async function renderExchange(ctx) {
  const { h, t, pb, params } = ctx;
  startLive(pb);
  const uid = me(pb);
  let x;
  try {
    x = await pb.collection('exchanges').getOne(params.id, { expand: 'offer,owner,requester', requestKey: null });
  } catch (err) {
    return h('section', { class: 'screen ws-screen' },
      h('h1', {}, t('exchanges.not_found')),
      h('p', {}, err?.status === 404 ? t('exchanges.not_found_text') : errorText(t, err)),
      h('p', {}, h('a', { href: '/threads' }, t('threads.all'))));
  }
  const role = x.owner === uid ? 'owner' : 'requester';
  const expand = x.expand || {};
  const people = { [x.owner]: expand.owner, [x.requester]: expand.requester };
  const otherId = role === 'owner' ? x.requester : x.owner;
  const otherName = personName(t, people[otherId]);
  let myReview = null;

  const loadReview = async () => {
    if (x.state !== 'completed' && x.state !== 'disputed') {
      return;
    }
    const res = await pb.collection('reviews').getList(1, 1, {
      filter: pb.filter('exchange = {:x} && author = {:me}', { x: x.id, me: uid }),
      requestKey: null,
    }).catch(() => null);
    myReview = res?.items[0] || null;
  };
  await loadReview();

  // a digital offer's files, once the requester may have them
  const files = h('section', { class: 'ws-files', 'aria-labelledby': 'ws-files-title', hidden: true });
  const loadFiles = async () => {
    const offer = x.expand?.offer || expand.offer;
    if (!offer?.files?.length || !['accepted', 'handed_over', 'returned', 'completed'].includes(x.state)) {
      files.hidden = true;
      return;
    }
    try {
      const res = await pb.send(`/api/peerbase/exchanges/${x.id}/files`, { requestKey: null });
      files.replaceChildren(
        h('h2', { id: 'ws-files-title' }, t('exchanges.files')),
        h('ul', {}, ...res.items.map((f) => h('li', {},
          h('a', { href: pb.buildURL(`${f.url}?token=${encodeURIComponent(res.token)}`), download: f.name, 'data-reload': '' }, f.name)))),
      );
      files.hidden = res.items.length === 0;
    } catch {
      files.hidden = true;
    }
  };
  await loadFiles();

  const body = h('div', { class: 'ws-exchange' });
  const status = h('p', { class: 'ws-status', role: 'status' });

  const draw = () => {
    const offer = x.expand?.offer || expand.offer;
    const kind = offer?.kind || '';
    const allowed = moves(x, kind, role);
    const details = h('dl', { class: 'ws-details' },
      h('dt', {}, t('exchanges.offer')),
      h('dd', {}, offer ? h('a', { href: `/offers/${offer.id}` }, offer.title) : t('threads.offer_gone')),
      h('dt', {}, t('exchanges.kind')),
      h('dd', {}, kind ? t(`threads.kind.${kind}`) : '—'),
      h('dt', {}, role === 'owner' ? t('exchanges.requester') : t('exchanges.owner')),
      h('dd', {}, otherName),
      x.start ? h('dt', {}, t('exchanges.dates')) : null,
      x.start ? h('dd', {}, t('exchanges.range', {
        from: fmtDay(x.start),
        to: fmtDay(new Date(parseDate(x.end).getTime() - 1)),
      })) : null,
      x.agreed_price > 0 ? h('dt', {}, t('exchanges.agreed_price')) : null,
      x.agreed_price > 0 ? h('dd', {}, money(x.agreed_price, offer?.currency)) : null,
      x.credit_price > 0 ? h('dt', {}, t('exchanges.credit_price')) : null,
      x.credit_price > 0 ? h('dd', {}, t('exchanges.credits', { count: x.credit_price })) : null,
      x.swap ? h('dt', {}, t('exchanges.swap')) : null,
      x.swap ? h('dd', {}, h('a', { href: `/swaps/${x.swap}` }, t('exchanges.swap_link'))) : null,
    );

    const buttons = allowed.map((to) => h('button', {
      type: 'button',
      class: CONFIRM.includes(to) ? 'btn btn-danger' : 'btn btn-primary',
      onclick: (e) => move(to, e.currentTarget),
    }, t(`exchanges.move.${to}.${role}`)));

    const waiting = [];
    const myConfirm = role === 'owner' ? x.owner_confirmed_at : x.requester_confirmed_at;
    const theirConfirm = role === 'owner' ? x.requester_confirmed_at : x.owner_confirmed_at;
    if (['handed_over', 'returned'].includes(x.state)) {
      if (myConfirm) {
        waiting.push(h('p', {}, t('exchanges.you_confirmed', { name: otherName })));
      } else if (theirConfirm) {
        waiting.push(h('p', {}, t('exchanges.they_confirmed', { name: otherName })));
      }
    }
    const help = t(`exchanges.help.${x.state}.${role}`, { name: otherName });

    const review = [];
    if (x.state === 'completed') {
      if (myReview) {
        review.push(h('p', {}, myReview.published ? t('reviews.yours_published') : t('reviews.yours_waiting', { name: otherName })));
      } else {
        review.push(h('a', { class: 'btn btn-primary', href: `/reviews/new?exchange=${x.id}` }, t('reviews.leave', { name: otherName })));
      }
    }

    const history = (x.history || []).map((entry) => h('li', {},
      h('span', {}, exchangeEventText(t, { from: entry.from, to: entry.to, by: entry.by }, { uid, people })),
      ' ',
      h('time', { datetime: entry.at, class: 'muted' }, fmtDateTime(entry.at))));

    body.replaceChildren(
      h('p', { class: 'ws-state', tabindex: '-1' }, t('exchanges.state_is'), ' ',
        h('strong', { class: `tag ws-state-${x.state}${['declined', 'cancelled'].includes(x.state) ? ' tag-muted' : ''}` }, stateLabel(t, x.state))),
      h('p', { class: 'ws-help' }, help),
      ...waiting,
      buttons.length ? h('div', { class: 'ws-actions ws-moves', role: 'group', 'aria-label': t('exchanges.your_moves') }, ...buttons) : null,
      ...review,
      details,
      files,
      x.thread ? h('p', {}, h('a', { href: `/threads/${x.thread}` }, t('exchanges.open_thread'))) : null,
      history.length ? h('section', { 'aria-labelledby': 'ws-history-title' },
        h('h2', { id: 'ws-history-title' }, t('exchanges.history')),
        h('ol', { class: 'ws-history' }, ...history)) : null,
      h('div', { class: 'ws-actions' },
        reportButton(ctx, { collection: 'users', id: otherId }),
        people[otherId]?.deleted ? null : blockButton(ctx, otherId, { name: otherName })),
    );
  };

  const move = async (to, button) => {
    if (CONFIRM.includes(to)) {
      const ok = await confirmDialog(h, t, {
        title: t(`exchanges.confirm.${to}.title`),
        text: t(`exchanges.confirm.${to}.text`, { name: otherName }),
        confirm: t(`exchanges.move.${to}.${role}`),
        danger: true,
      });
      if (!ok) {
        return;
      }
    }
    button.disabled = true;
    status.textContent = '';
    try {
      const updated = await pb.collection('exchanges').update(x.id, { state: to }, { expand: 'offer', requestKey: null });
      x = { ...updated, expand: { ...expand, ...updated.expand } };
      await Promise.all([loadReview(), loadFiles()]);
      draw();
      status.textContent = updated.state === to ? t('exchanges.moved', { state: stateLabel(t, to) }) : t('exchanges.confirmed');
      body.querySelector('.ws-state')?.focus();
    } catch (err) {
      status.textContent = errorText(t, err);
      button.disabled = false;
    }
  };

  draw();

  ctx.onCleanup(onChange(async (ev) => {
    // strictly newer only: the echo of one's own move must not wipe its status line
    if (ev.reload || (ev.collection === 'exchanges' && ev.id === x.id && ev.record && ev.record.updated > x.updated)) {
      try {
        const fresh = ev.reload
          ? await pb.collection('exchanges').getOne(x.id, { expand: 'offer', requestKey: null })
          : ev.record;
        x = { ...fresh, expand: { ...expand, ...x.expand, ...fresh.expand } };
        await Promise.all([loadReview(), loadFiles()]);
        status.textContent = '';
        draw();
      } catch {
        // gone: leave the last state on screen
      }
    } else if (ev.collection === 'reviews' && ev.record?.exchange === x.id) {
      await loadReview();
      draw();
    }
  }));

  const offer = expand.offer;
  return h('section', { class: 'screen ws-screen' },
    h('p', { class: 'ws-back' }, x.thread ? h('a', { href: `/threads/${x.thread}` }, t('exchanges.back_thread')) : null),
    h('h1', {}, t('exchanges.title', { title: offer?.title || t('threads.offer_gone') })),
    status,
    body,
  );
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat(document.documentElement.lang || 'en', { style: 'currency', currency: currency || 'EUR' }).format(amount);
  } catch {
    return String(amount);
  }
}

export const routes = [
  { path: '/exchanges/:id', auth: true, render: renderExchange },
];
