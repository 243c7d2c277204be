// "Me": who is signed in and the way to everything of theirs (own offers,
// wanted posts near them, wants, favourites, feed, settings), and sign out.
import { h } from '../app/h.js';
import { avatar, displayName } from '../ui/common.js';

function meScreen(ctx) {
  const { t, pb, user } = ctx;
  const links = [
    ['/me/offers', t('me.offers')],
    ['/offers/new', t('me.post')],
    ['/wanted', t('me.wanted')],
    ['/wants', t('me.wants')],
    ['/favourites', t('me.favourites')],
    ['/feed', t('me.feed')],
    ['/threads', t('me.messages')],
    [`/people/${user.id}`, t('me.profile')],
    ['/settings', t('me.settings')],
  ];
  const signOut = h('button', { type: 'button', class: 'btn btn-danger', onclick: () => {
    pb.authStore.clear();
    ctx.toast(t('auth.signedOut'));
    ctx.nav('/signin', { replace: true });
  } }, t('auth.signout'));
  return h(
    'section',
    { class: 'screen' },
    h('div', { class: 'row' }, avatar(user, 56), h('div', h('h1', { style: 'margin:0' }, displayName(user)), h('p', { class: 'muted', style: 'margin:0' }, user.email))),
    h('nav', { 'aria-label': t('me.menu') }, h('ul', { class: 'list me-links' }, links.map(([href, label]) => h('li', h('a', { class: 'card me-link', href }, label))))),
    h('p', signOut),
  );
}

export const routes = [{ path: '/me', auth: true, render: meScreen }];
