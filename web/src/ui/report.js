// report gives every screen the two ways to protect oneself: reportButton
// opens a dialog that reports an offer, a person, a message, a want or a
// review to the moderators (the server keeps a snapshot of it), and
// blockButton blocks or unblocks a person (no new threads or messages
// either way; they are not told).

import { confirmDialog, errorText, fieldErrors, me, modal, personName } from './talk.js';

const REASONS = ['spam', 'scam', 'prohibited', 'offensive', 'harassment', 'other'];
const TARGETS = { offers: 'offer', users: 'person', messages: 'message', wants: 'want', reviews: 'review' };

let reasonSeq = 0;

/**
 * reportButton returns a button that reports the record `id` of
 * `collection` (offers, users, messages, wants, reviews) after asking why.
 */
export function reportButton(ctx, { collection, id }) {
  const { h, t } = ctx;
  const what = TARGETS[collection] || 'offer';
  const button = h('button', {
    type: 'button',
    class: collection === 'messages' ? 'btn btn-small btn-quiet ws-report' : 'btn btn-small ws-report',
    'aria-label': t(`report.report_${what}`),
    onclick: () => openReport(ctx, { collection, id, what }),
  }, t('report.report'));
  return button;
}

function openReport(ctx, { collection, id, what }) {
  const { h, t, pb } = ctx;
  const uid = me(pb);
  if (!uid) {
    ctx.nav('/signin');
    return;
  }
  const group = `ws-reason-${++reasonSeq}`;
  const noteId = `${group}-note`;
  const errorId = `${group}-error`;
  modal(h, {
    title: t(`report.report_${what}`),
    content: (close) => {
      const error = h('p', { id: errorId, class: 'form-error', role: 'alert' });
      const send = h('button', { type: 'submit', class: 'btn btn-primary' }, t('report.send'));
      const form = h('form', {
        class: 'form ws-form',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          const reason = form.querySelector(`input[name="${group}"]:checked`)?.value;
          if (!reason) {
            error.textContent = t('report.pick_reason');
            form.querySelector(`input[name="${group}"]`)?.focus();
            return;
          }
          send.disabled = true;
          error.textContent = '';
          try {
            await pb.collection('reports').create({
              reporter: uid,
              target_collection: collection,
              target_id: id,
              reason,
              note: form.querySelector(`#${noteId}`).value,
            }, { requestKey: null });
            close();
            ctx.toast(t('report.sent'), 'success');
          } catch (err) {
            const fields = fieldErrors(err);
            const dup = Object.values(fields).some((f) => f?.code === 'validation_not_unique');
            error.textContent = dup ? t('report.already') : errorText(t, err);
            send.disabled = false;
          }
        },
      },
      h('fieldset', { class: 'ws-fieldset' },
        h('legend', {}, t('report.why')),
        ...REASONS.map((r) => {
          const rid = `${group}-${r}`;
          return h('div', { class: 'check' },
            h('input', { type: 'radio', id: rid, name: group, value: r }),
            h('label', { for: rid }, t(`report.reason.${r}`)),
          );
        }),
      ),
      h('div', { class: 'field' },
        h('label', { for: noteId }, t('report.note')),
        h('textarea', { id: noteId, rows: 3, maxlength: 2000 }),
      ),
      error,
      h('div', { class: 'dialog-actions' },
        h('button', { type: 'button', class: 'btn', onclick: () => close() }, t('threads.cancel')),
        send,
      ));
      return form;
    },
  });
}

/**
 * blockButton returns a button that blocks the person `userId` (after a
 * confirmation), or unblocks them when the caller already does. `name`
 * (optional) is how the dialog names them; otherwise their profile is read.
 */
export function blockButton(ctx, userId, { name, onChange } = {}) {
  const { h, t, pb } = ctx;
  const uid = me(pb);
  let block = null; // the caller's block of userId, once known
  const button = h('button', { type: 'button', class: 'btn btn-small ws-block', 'aria-label': t('report.block_person') },
    t('report.block'));
  if (!uid || uid === userId) {
    button.hidden = true;
    return button;
  }
  const show = () => {
    button.textContent = block ? t('report.unblock') : t('report.block');
    button.setAttribute('aria-label', block ? t('report.unblock_person') : t('report.block_person'));
  };
  show();
  const lookup = () => pb.collection('blocks')
    .getList(1, 1, { filter: pb.filter('blocker = {:me} && blocked = {:them}', { me: uid, them: userId }), requestKey: null })
    .then((res) => {
      block = res.items[0] || null;
      show();
    })
    .catch(() => {});
  lookup();

  button.addEventListener('click', async () => {
    if (block) {
      try {
        await pb.collection('blocks').delete(block.id, { requestKey: null });
        block = null;
        show();
        ctx.toast(t('report.unblocked'), 'success');
        onChange?.(false);
      } catch (err) {
        ctx.toast(errorText(t, err), 'error');
      }
      return;
    }
    let who = name;
    if (!who) {
      who = await pb.collection('users').getOne(userId, { requestKey: null }).then((u) => personName(t, u), () => t('threads.someone'));
    }
    const ok = await confirmDialog(h, t, {
      title: t('report.block_title', { name: who }),
      text: t('report.block_text'),
      confirm: t('report.block'),
      danger: true,
    });
    if (!ok) {
      return;
    }
    try {
      block = await pb.collection('blocks').create({ blocker: uid, blocked: userId }, { requestKey: null });
      show();
      ctx.toast(t('report.blocked', { name: who }), 'success');
      onChange?.(true);
    } catch (err) {
      const dup = Object.values(fieldErrors(err)).some((f) => f?.code === 'validation_not_unique');
      if (dup) {
        // blocked already (another tab): show the block that exists
        await lookup();
        return;
      }
      ctx.toast(errorText(t, err), 'error');
    }
  });
  return button;
}
