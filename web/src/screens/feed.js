// The following feed (/feed): the newest offers of the people one follows,
// in cursor pages. (owner: webwants)
import { emptyState } from '../ui/common.js';
import { offerCard } from '../ui/offerCard.js';
import { apiMessage } from '../ui/people.js';
import './wants.css';

export const routes = [{ path: '/feed', auth: true, render: feedScreen }];

async function feedScreen(ctx) {
  const { h, t, pb } = ctx;
  const list = h('ul', { class: 'grid offer-grid feed-list' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true }, t('feed.more'));
  const empty = emptyState(t('feed.empty'));
  let next = '';
  const seen = new Set();
  const load = async (first) => {
    more.disabled = true;
    try {
      const query = { limit: 20, expand: 'owner' };
      if (!first && next) query.after = next;
      const page = await pb.send('/api/peerbase/following', { query });
      if (first) {
        list.replaceChildren();
        seen.clear();
      }
      const before = list.children.length;
      for (const offer of page.items) {
        if (seen.has(offer.id)) continue;
        seen.add(offer.id);
        list.append(h('li', {}, offerCard(ctx, offer)));
      }
      next = page.next;
      more.hidden = !next;
      // keep the keyboard where the new items start
      if (!first) list.children[before]?.querySelector('a')?.focus();
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      more.disabled = false;
      empty.hidden = list.children.length > 0;
    }
  };
  more.addEventListener('click', () => load(false));
  await load(true);
  return h('section', { class: 'screen feed' },
    h('div', { class: 'screen-head' },
      h('h1', {}, t('feed.title')),
      h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load(true) }, t('feed.refresh')),
    ),
    h('p', {}, t('feed.intro')),
    list,
    empty,
    more,
  );
}
