// The screen for any path no other screen takes (the router adds it last).
import { h } from '../app/h.js';

export const routes = [
  {
    path: '*',
    render: ({ t }) =>
      h(
        'section',
        { class: 'screen empty' },
        h('h1', t('app.notFound.title')),
        h('p', t('app.notFound.body')),
        h('p', h('a', { class: 'btn btn-primary', href: '/' }, t('app.notFound.home'))),
      ),
  },
];
