// One swap (/swaps/:id): the cycle, each participant's acceptance, each
// leg's exchange and its state (linking to /exchanges/:id), and the moves
// open to the caller: accept, decline, cancel. Live on peerbase/inbox.
// (owner: webwants)
import { timeAgo } from '../ui/common.js';
import { confirmDialog } from '../ui/dialog.js';
import { apiMessage, isNotFound, personName, subscribeInbox } from '../ui/people.js';
import { cycleView, loadCycle } from '../ui/cycle.js';
import './wants.css';

export const routes = [{ path: '/swaps/:id', auth: true, render: swapScreen }];

async function swapScreen(ctx) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record.id;
  let swap;
  try {
    swap = await pb.collection('swaps').getOne(ctx.params.id);
  } catch (err) {
    if (isNotFound(err)) {
      return h('section', { class: 'screen' }, h('h1', {}, t('swaps.notFound')));
    }
    throw err;
  }

  const body = h('div', { class: 'swap-body' });
  const status = h('p', { role: 'status', class: 'swap-state' });

  const render = async () => {
    const legs = swap.legs || [];
    const cycle = await loadCycle(ctx, legs.map((l) => ({ person: l.person, offer: l.offer })));
    // the exchanges of the legs the caller is party to (the others are private to their two people)
    const exchanges = new Map();
    await Promise.all(legs.filter((l) => l.exchange).map((l) =>
      pb.collection('exchanges').getOne(l.exchange, { fields: 'id,state' }).then((x) => exchanges.set(l.exchange, x)).catch(() => {})));
    const byPerson = new Map(legs.map((l) => [l.person, l]));
    status.textContent = t(`swaps.state.${swap.state}`);

    const accepts = h('ul', { class: 'list swap-accepts' }, ...cycle.map((c) => {
      const leg = byPerson.get(c.person);
      const at = leg?.accepted_at;
      return h('li', {},
        c.person === me ? h('strong', {}, t('matches.you')) : h('a', { href: `/people/${c.person}` }, personName(t, c.user)),
        ': ',
        at ? t('swaps.acceptedAt', { when: timeAgo(at) }) : t('swaps.waiting'));
    }));

    const legState = (leg) => {
      const l = legs.find((x) => x.person === leg.person);
      if (!l?.exchange) return h('p', { class: 'muted' }, t('swaps.noExchange'));
      const x = exchanges.get(l.exchange);
      if (!x) return h('p', { class: 'muted' }, t('swaps.leg', { state: t('swaps.exchange.hidden') }));
      return h('p', {},
        h('span', { class: 'tag' }, t('swaps.leg', { state: t(`swaps.exchange.${x.state}`) })), ' ',
        h('a', { href: `/exchanges/${x.id}` }, t('swaps.openExchange')));
    };

    const actions = h('div', { class: 'actions' });
    const mine = byPerson.get(me);
    const act = (label, action, toastKey, kind = 'btn-secondary', confirmKey = null) => {
      const b = h('button', { type: 'button', class: `btn ${kind}`, onclick: async () => {
        if (confirmKey && !(await confirmDialog({ title: t(confirmKey), confirm: label, danger: true }))) return;
        b.disabled = true;
        try {
          swap = await pb.send(`/api/peerbase/swaps/${swap.id}/${action}`, { method: 'POST' });
          ctx.toast(t(toastKey), 'success');
          await render();
          body.querySelector('h2')?.focus();
        } catch (err) {
          b.disabled = false;
          ctx.toast(apiMessage(err), 'error');
        }
      } }, label);
      return b;
    };
    if (swap.state === 'proposed') {
      if (mine && !mine.accepted_at) {
        actions.append(act(t('swaps.accept'), 'accept', 'swaps.accepted', 'btn-primary'), act(t('swaps.decline'), 'decline', 'swaps.declinedToast'));
      }
      actions.append(act(t('swaps.cancel'), 'cancel', 'swaps.cancelledToast', 'btn-danger', 'swaps.confirmCancel'));
    } else if (swap.state === 'accepted') {
      const handed = [...exchanges.values()].some((x) => ['handed_over', 'returned', 'completed', 'disputed'].includes(x.state));
      if (!handed) actions.append(act(t('swaps.cancel'), 'cancel', 'swaps.cancelledToast', 'btn-danger', 'swaps.confirmCancel'));
    }

    body.replaceChildren(
      h('h2', { tabindex: '-1' }, t('swaps.legs')),
      cycleView(ctx, cycle, legState),
      h('h2', {}, t('swaps.participants')),
      accepts,
      actions,
    );
  };
  await render();

  await subscribeInbox(ctx, async (e) => {
    if (e.collection === 'swaps' && e.record?.id === swap.id) {
      swap = e.record;
      await render();
    } else if (e.collection === 'exchanges' && e.record?.swap === swap.id) {
      await render();
    }
  });

  return h('section', { class: 'screen swap-screen' },
    h('h1', {}, t('swaps.title')),
    status,
    body,
  );
}
