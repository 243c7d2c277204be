// followButton: follow or unfollow a person (provided to the
// profile.actions slot). (owner: webwants)
import { apiMessage, personName } from './people.js';

/**
 * followButton returns a toggle button (aria-pressed) for userId; onChange(delta)
 * is called with +1 or -1 after a follow or unfollow (the profile updates its count).
 */
export function followButton(ctx, userId, { user, onChange } = {}) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record?.id;
  if (!me || !userId || userId === me || user?.deleted) return null;
  let name = user ? personName(t, user) : '';
  let followId = '';
  const btn = h('button', { type: 'button', class: 'btn btn-primary follow-button', 'aria-pressed': 'false' }, t('follow.follow'));
  const show = () => {
    btn.setAttribute('aria-pressed', followId ? 'true' : 'false');
    btn.textContent = followId ? t('follow.unfollow') : t('follow.follow');
    btn.className = `btn ${followId ? 'btn-secondary' : 'btn-primary'} follow-button`;
    if (name) btn.setAttribute('aria-label', followId ? t('follow.unfollowName', { name }) : t('follow.followName', { name }));
  };
  show();
  if (!user) {
    // given only the id: name the person in the button's label and the toasts
    pb.collection('users').getOne(userId, { fields: 'id,name,deleted' })
      .then((u) => {
        if (u.deleted) btn.remove();
        name = personName(t, u);
        show();
      })
      .catch(() => {});
  }
  pb.collection('follows')
    .getFirstListItem(pb.filter('follower = {:me} && followee = {:them}', { me, them: userId }), { fields: 'id' })
    .then((f) => {
      followId = f.id;
      show();
    })
    .catch(() => {});
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    try {
      if (followId) {
        await pb.collection('follows').delete(followId);
        followId = '';
        onChange?.(-1);
        ctx.toast(t('follow.unfollowed', { name }));
      } else {
        const f = await pb.collection('follows').create({ follower: me, followee: userId });
        followId = f.id;
        onChange?.(1);
        ctx.toast(t('follow.followed', { name }), 'success');
      }
      show();
    } catch (err) {
      ctx.toast(apiMessage(err), 'error');
    } finally {
      btn.disabled = false;
    }
  });
  return btn;
}
