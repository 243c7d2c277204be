// A public profile (/people/:id): name, avatar, bio, rating, follow counts,
// the person's active offers and the reviews they received; and the follow
// button on profiles (slot profile.actions). (owner: webwants)
import { provide, slot } from '../app/slots.js';
import { avatar, emptyState, timeAgo } from '../ui/common.js';
import { offerCard } from '../ui/offerCard.js';
import { followButton } from '../ui/follow.js';
import { fmtNumber, isNotFound, personName } from '../ui/people.js';
import './wants.css';

provide('profile.actions', (ctx, user) => followButton(ctx, typeof user === 'string' ? user : user?.id, {
  user: typeof user === 'string' ? null : user,
  onChange: (d) => ctx.onFollowChange?.(d),
}));

export const routes = [{ path: '/people/:id', auth: false, render: personScreen }];

async function personScreen(ctx) {
  const { h, t, pb } = ctx;
  let user;
  try {
    user = await pb.collection('users').getOne(ctx.params.id);
  } catch (err) {
    if (isNotFound(err)) return h('section', { class: 'screen' }, h('h1', {}, t('people.notFound')));
    throw err;
  }
  const name = personName(t, user);
  const [offers, reviews] = await Promise.all([
    pb.collection('offers').getList(1, 24, {
      filter: pb.filter('owner = {:id} && status = "active"', { id: user.id }),
      sort: '-created',
      skipTotal: true,
    }).then((r) => r.items).catch(() => []),
    pb.collection('reviews').getList(1, 20, {
      filter: pb.filter('subject = {:id} && published = true', { id: user.id }),
      sort: '-created',
      expand: 'author',
      skipTotal: true,
    }).then((r) => r.items).catch(() => []),
  ]);

  let followers = user.followers_count || 0;
  const followersText = h('span', {}, t('people.followers', { count: followers }));
  const actionCtx = { ...ctx, onFollowChange: (d) => {
    followers += d;
    followersText.textContent = t('people.followers', { count: followers });
  } };
  const rating = user.rating_count > 0
    ? t('people.rating', { avg: fmtNumber(user.rating_avg, { maximumFractionDigits: 1 }), count: user.rating_count })
    : t('people.noRating');

  return h('section', { class: 'screen person' },
    h('div', { class: 'person-head' },
      avatar(user, 96),
      h('div', {},
        h('h1', {}, name),
        user.account_type === 'business' ? h('span', { class: 'tag' }, t('people.business')) : null,
        h('p', {}, rating),
        h('p', { class: 'muted' }, followersText, ' · ', t('people.following', { count: user.following_count || 0 })),
        h('div', { class: 'actions' }, slot('profile.actions', actionCtx, user)),
      ),
    ),
    user.bio ? h('p', { class: 'bio' }, user.bio) : null,
    h('h2', {}, t('people.offers')),
    offers.length
      ? h('ul', { class: 'grid offer-grid' }, ...offers.map((o) => h('li', {}, offerCard(ctx, o, { headingLevel: 3 }))))
      : emptyState(t('people.noOffers')),
    h('h2', {}, t('people.reviews')),
    reviews.length
      ? h('ul', { class: 'list reviews' }, ...reviews.map((r) => h('li', { class: 'card review' },
        h('p', {}, h('strong', { 'aria-label': t('people.stars', { rating: r.rating }) }, '★'.repeat(r.rating) + '☆'.repeat(5 - r.rating)),
          ' ', r.expand?.author ? h('a', { href: `/people/${r.author}` }, personName(t, r.expand.author)) : null,
          ' · ', timeAgo(r.created)),
        r.text ? h('p', {}, r.text) : null,
        r.reply ? h('p', { class: 'muted' }, t('people.reply', { text: r.reply })) : null,
      )))
      : emptyState(t('people.noReviews')),
  );
}
