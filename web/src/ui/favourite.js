// favouriteButton: a toggle that saves an offer to the caller's favourites
// or removes it (provided to the offer.actions slot). (owner: webwants)
import { apiMessage } from './people.js';

// The caller's favourites, loaded once per signed-in person: offer id → favourite id.
let cache = null;
let cacheUser = '';

async function favourites(pb) {
  const me = pb.authStore.record?.id || '';
  if (!cache || cacheUser !== me) {
    cacheUser = me;
    cache = pb.collection('favourites')
      .getFullList({ filter: pb.filter('owner = {:me}', { me }), fields: 'id,offer' })
      .then((list) => new Map(list.map((f) => [f.offer, f.id])))
      .catch(() => {
        cache = null;
        return new Map();
      });
  }
  return cache;
}

/** forgetFavourites drops the cache (after a sign-out, or when the favourites screen reloads them). */
export function forgetFavourites() {
  cache = null;
}

/** favouriteButton returns a button with aria-pressed that adds or removes offer from the favourites. */
export function favouriteButton(ctx, offer) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record?.id;
  if (!me || !offer || offer.owner === me) return null;
  const label = h('span', {}, t('fav.add'));
  const btn = h('button', { type: 'button', class: 'btn btn-secondary fav-button', 'aria-pressed': 'false' },
    h('span', { class: 'fav-star', 'aria-hidden': 'true' }, '☆'), ' ', label);
  const show = (on) => {
    btn.setAttribute('aria-pressed', on ? 'true' : 'false');
    btn.firstChild.textContent = on ? '★' : '☆';
    label.textContent = on ? t('fav.remove') : t('fav.add');
  };
  favourites(pb).then((m) => show(m.has(offer.id)));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    const m = await favourites(pb);
    try {
      const id = m.get(offer.id);
      if (id) {
        await pb.collection('favourites').delete(id);
        m.delete(offer.id);
        show(false);
        ctx.toast(t('fav.removed'));
      } else {
        const f = await pb.collection('favourites').create({ owner: me, offer: offer.id });
        m.set(offer.id, f.id);
        show(true);
        ctx.toast(t('fav.added'), 'success');
      }
    } catch (err) {
      forgetFavourites();
      ctx.toast(apiMessage(err), 'error');
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
