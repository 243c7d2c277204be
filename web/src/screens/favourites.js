// Favourites (/favourites): the offers the person saved; and the favourite
// toggle on every offer (slot offer.actions). (owner: webwants)
import { provide } from '../app/slots.js';
import { emptyState } from '../ui/common.js';
import { offerCard } from '../ui/offerCard.js';
import { favouriteButton, forgetFavourites } from '../ui/favourite.js';
import { apiMessage } from '../ui/people.js';
import './wants.css';

provide('offer.actions', (ctx, offer) => favouriteButton(ctx, offer));

export const routes = [{ path: '/favourites', auth: true, render: favouritesScreen }];

async function favouritesScreen(ctx) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record.id;
  forgetFavourites();
  const list = h('ul', { class: 'grid offer-grid fav-list' });
  const empty = emptyState(t('fav.empty'));
  const favs = await pb.collection('favourites').getFullList({
    filter: pb.filter('owner = {:me}', { me }),
    sort: '-created',
    expand: 'offer',
  });
  for (const f of favs) {
    const offer = f.expand?.offer;
    if (offer) {
      list.append(h('li', {}, offerCard(ctx, offer)));
    } else {
      // the offer is no longer visible (hidden or drafted again): say so, and let it go
      const li = h('li', { class: 'card' }, h('p', {}, t('fav.gone')));
      li.append(h('button', { type: 'button', class: 'btn btn-secondary', onclick: async () => {
        try {
          await pb.collection('favourites').delete(f.id);
          li.remove();
          empty.hidden = list.children.length > 0;
        } catch (err) {
          ctx.toast(apiMessage(err), 'error');
        }
      } }, t('fav.remove')));
      list.append(li);
    }
  }
  empty.hidden = favs.length > 0;
  return h('section', { class: 'screen favourites' },
    h('h1', {}, t('fav.title')),
    list,
    empty,
  );
}
