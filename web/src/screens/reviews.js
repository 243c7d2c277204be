// Reviews: /reviews/new?exchange=<id>, the blind review of a completed
// exchange. The other side sees it only once they have written theirs (or
// after the review window), so nobody adjusts a review to the one received.

import { errorText, me, personName } from '../ui/talk.js';
import './threads.css';

async function renderNewReview(ctx) {
  const { h, t, pb, query } = ctx;
  const uid = me(pb);
  const id = query.exchange || '';
  const screen = (...children) => h('section', { class: 'screen ws-screen' }, h('h1', {}, t('reviews.title')), ...children);
  if (!id) {
    return screen(h('p', { role: 'alert', class: 'form-error' }, t('reviews.no_exchange')));
  }
  let x;
  try {
    x = await pb.collection('exchanges').getOne(id, { expand: 'offer,owner,requester', requestKey: null });
  } catch (err) {
    return screen(h('p', { role: 'alert', class: 'form-error' },
      err?.status === 404 ? t('exchanges.not_found_text') : errorText(t, err)));
  }
  const other = x.owner === uid ? x.expand?.requester : x.expand?.owner;
  const name = personName(t, other);
  const back = h('p', {}, h('a', { href: `/exchanges/${x.id}` }, t('reviews.back')));
  if (x.state !== 'completed') {
    return screen(h('p', {}, t('reviews.not_completed')), back);
  }
  const existing = await pb.collection('reviews').getList(1, 1, {
    filter: pb.filter('exchange = {:x} && author = {:me}', { x: x.id, me: uid }),
    requestKey: null,
  });
  const done = (review) => [
    h('p', { role: 'status' }, review.published ? t('reviews.yours_published') : t('reviews.yours_waiting', { name })),
    h('p', {}, t('reviews.your_rating', { n: review.rating })),
    review.text ? h('blockquote', { class: 'ws-quote' }, review.text) : null,
    back,
  ];
  if (existing.items[0]) {
    return screen(...done(existing.items[0]));
  }

  const error = h('p', { class: 'form-error', role: 'alert' });
  const text = h('textarea', { id: 'ws-review-text', rows: 5, maxlength: 2000 });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('reviews.submit'));
  const stars = [1, 2, 3, 4, 5].map((n) => h('div', { class: 'check' },
    h('input', { type: 'radio', name: 'rating', id: `ws-rating-${n}`, value: String(n) }),
    h('label', { for: `ws-rating-${n}` },
      h('span', { class: 'ws-star-glyphs', 'aria-hidden': 'true' }, '★'.repeat(n) + '☆'.repeat(5 - n)), ' ',
      t('reviews.stars', { n }))));
  const section = screen();
  const form = h('form', {
    class: 'form ws-form',
    novalidate: true,
    onsubmit: async (e) => {
      e.preventDefault();
      const rating = Number(form.querySelector('input[name=rating]:checked')?.value || 0);
      if (!rating) {
        error.textContent = t('reviews.pick_rating');
        form.querySelector('input[name=rating]')?.focus();
        return;
      }
      submit.disabled = true;
      error.textContent = '';
      try {
        const review = await pb.collection('reviews').create({ exchange: x.id, author: uid, rating, text: text.value },
          { requestKey: null });
        section.replaceChildren(h('h1', {}, t('reviews.title')), ...done(review).filter(Boolean));
        section.querySelector('[role=status]')?.setAttribute('tabindex', '-1');
        section.querySelector('[role=status]')?.focus();
        ctx.toast(t('reviews.thanks'), 'success');
      } catch (err) {
        error.textContent = errorText(t, err);
        submit.disabled = false;
      }
    },
  },
  h('p', {}, t('reviews.intro', { name, title: x.expand?.offer?.title || t('threads.offer_gone') })),
  h('p', { class: 'muted' }, t('reviews.blind', { name })),
  h('fieldset', { class: 'ws-fieldset ws-stars' }, h('legend', {}, t('reviews.rating')), ...stars),
  h('div', { class: 'field' }, h('label', { for: 'ws-review-text' }, t('reviews.text')), text),
  error,
  h('div', { class: 'ws-actions' }, submit));
  section.append(form, back);
  return section;
}

export const routes = [
  { path: '/reviews/new', auth: true, render: renderNewReview },
];
