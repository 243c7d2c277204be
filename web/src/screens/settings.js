// Settings: profile (name, bio, person or business, avatar), place and time
// zone, language, notification preferences and quiet hours, push on this
// device, export of one's data and deletion of the account. Each section is
// its own form with its own Save.
import { h, replace, id as newId } from '../app/h.js';
import { errorMessage } from '../app/api.js';
import { setLanguage, languages } from '../app/i18n.js';
import { noteError } from '../app/offline.js';
import { pushSupported, subscribePush, unsubscribePush } from '../app/push.js';
import { field, formError, showErrors, busy, clearErrors } from '../ui/form.js';
import { avatar } from '../ui/common.js';
import { parsePlace, currentPosition } from '../ui/place.js';
import { confirmDialog } from '../ui/dialog.js';

export const NOTIFY_TYPES = ['message', 'match', 'exchange', 'review', 'moderation', 'digest', 'follow', 'expiry', 'swap', 'derived', 'favourite', 'ledger'];

function section(title, ...children) {
  const hid = newId('sec');
  return h('section', { class: 'card stack settings-section', 'aria-labelledby': hid }, h('h2', { id: hid }, title), ...children);
}

/** save updates the signed-in user (the SDK refreshes its stored record). */
function saver(ctx, form, dataFn, done) {
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      clearErrors(form);
      try {
        const data = dataFn();
        if (!data) return;
        await ctx.pb.collection('users').update(ctx.user.id, data);
        ctx.toast(ctx.t('app.saved'), 'success');
        done?.();
      } catch (err) {
        noteError(err);
        showErrors(form, err, ctx.t);
      }
    });
  });
  return form;
}

function profileSection(ctx, me) {
  const { t } = ctx;
  const avatarId = newId('avatar');
  const preview = h('div', { class: 'avatar-preview' }, avatar(me, 72));
  let removeAvatar = false;
  const file = h('input', { id: avatarId, name: 'avatar', type: 'file', accept: 'image/*', class: 'visually-hidden-file' });
  file.addEventListener('change', () => {
    const f = file.files[0];
    if (!f) return;
    removeAvatar = false;
    const url = URL.createObjectURL(f);
    replace(preview, h('span', { class: 'avatar', style: { '--avatar-size': '72px' } }, h('img', { src: url, alt: '', onload: () => URL.revokeObjectURL(url) })));
  });
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError(),
    h(
      'div',
      { class: 'field', dataset: { field: 'avatar' } },
      h('span', { class: 'label' }, t('settings.avatar')),
      h(
        'div',
        { class: 'row' },
        preview,
        h('label', { for: avatarId, class: 'btn btn-small file-btn' }, t('settings.avatarChoose')),
        file,
        me.avatar ? h('button', { type: 'button', class: 'btn btn-small btn-quiet', onclick: () => { removeAvatar = true; file.value = ''; replace(preview, avatar({ ...me, avatar: '' }, 72)); } }, t('settings.avatarRemove')) : null,
      ),
      h('div', { class: 'error' }),
    ),
    field({ name: 'name', label: t('auth.name'), required: true, maxlength: 100, value: me.name || '', autocomplete: 'name' }),
    field({ name: 'bio', label: t('settings.bio'), input: h('textarea', { name: 'bio', maxlength: 2000, rows: 3 }, me.bio || '') }),
    field({
      name: 'account_type',
      label: t('settings.accountType'),
      input: h('select', { name: 'account_type' }, ['person', 'business'].map((v) => h('option', { value: v, selected: (me.account_type || 'person') === v }, t(`settings.accountType.${v}`)))),
    }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('settings.saveProfile')),
  );
  saver(ctx, form, () => {
    const data = { name: form.name.value.trim(), bio: form.bio.value, account_type: form.account_type.value };
    if (file.files[0]) data.avatar = file.files[0];
    else if (removeAvatar) data.avatar = null;
    return data;
  });
  return section(t('settings.profile'), form);
}

function placeSection(ctx, me) {
  const { t } = ctx;
  const loc = me.location && (me.location.lat || me.location.lon) ? `${me.location.lat}, ${me.location.lon}` : '';
  const placeInput = h('input', { name: 'location', type: 'text', value: loc, autocomplete: 'off', placeholder: t('place.placeholder') });
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const current = me.timezone || browserZone;
  if (!zones.includes(current)) zones.unshift(current);
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError(),
    field({ name: 'location', label: t('settings.location'), hint: t('settings.locationHint'), input: placeInput }),
    h('div', h('button', { type: 'button', class: 'btn btn-small', onclick: async (e) => {
      const btn = e.currentTarget;
      btn.disabled = true;
      try {
        const p = await currentPosition();
        placeInput.value = `${p.lat.toFixed(5)}, ${p.lon.toFixed(5)}`;
      } catch (err) {
        form.querySelector('[data-field=location] .error').textContent = err.message;
      } finally {
        btn.disabled = false;
      }
    } }, t('place.useMine'))),
    field({ name: 'timezone', label: t('settings.timezone'), hint: t('settings.timezoneHint', { zone: browserZone }), input: h('select', { name: 'timezone' }, zones.map((z) => h('option', { value: z, selected: z === current }, z.replace(/_/g, ' ')))) }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('app.save')),
  );
  saver(ctx, form, () => {
    const typed = placeInput.value.trim();
    let location = { lat: 0, lon: 0 };
    if (typed) {
      const p = parsePlace(typed);
      if (!p) {
        showErrors(form, { response: { data: { location: { message: t('place.invalid') } } } }, t);
        return null;
      }
      location = { lat: p.lat, lon: p.lon };
    }
    return { location, timezone: form.timezone.value };
  });
  return section(t('settings.placeTime'), h('p', { class: 'muted' }, t('settings.private')), form);
}

function languageSection(ctx, me) {
  const { t } = ctx;
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError(),
    field({ name: 'locale', label: t('settings.language'), hint: t('settings.languageHint'), input: h('select', { name: 'locale', lang: '' }, languages.map((l) => h('option', { value: l, lang: l, selected: (me.locale || '').startsWith(l) }, t(`settings.language.${l}`)))) }),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('app.save')),
  );
  saver(ctx, form, () => ({ locale: form.locale.value }), () => setLanguage(form.locale.value));
  return section(t('settings.languageTitle'), form);
}

function notifySection(ctx, me) {
  const { t } = ctx;
  const prefs = me.notify_prefs && typeof me.notify_prefs === 'object' ? me.notify_prefs : {};
  const boxes = NOTIFY_TYPES.map((type) => {
    const cid = newId(`n-${type}`);
    return h('div', { class: 'check' }, h('input', { type: 'checkbox', id: cid, name: `notify_${type}`, value: type, checked: prefs[type] !== false }), h('label', { for: cid }, t(`settings.notify.${type}`)));
  });
  const form = h(
    'form',
    { class: 'form', novalidate: true },
    formError(),
    h('fieldset', { class: 'field', dataset: { field: 'notify_prefs' } }, h('legend', t('settings.notifyLegend')), h('div', { class: 'checks' }, boxes), h('div', { class: 'error' })),
    h(
      'fieldset',
      h('legend', t('settings.quiet')),
      h('p', { class: 'hint' }, t('settings.quietHint')),
      h('div', { class: 'row' }, field({ name: 'quiet_start', label: t('settings.quietStart'), type: 'time', value: me.quiet_start || '' }), field({ name: 'quiet_end', label: t('settings.quietEnd'), type: 'time', value: me.quiet_end || '' })),
    ),
    h('button', { type: 'submit', class: 'btn btn-primary' }, t('app.save')),
  );
  saver(ctx, form, () => {
    const notify = {};
    for (const type of NOTIFY_TYPES) notify[type] = form[`notify_${type}`].checked;
    const qs = form.quiet_start.value;
    const qe = form.quiet_end.value;
    if (!!qs !== !!qe) {
      showErrors(form, { response: { data: { [qs ? 'quiet_end' : 'quiet_start']: { message: t('settings.quietBoth') } } } }, t);
      return null;
    }
    return { notify_prefs: notify, quiet_start: qs, quiet_end: qe };
  });
  return section(t('settings.notifications'), form, pushBlock(ctx));
}

function pushBlock(ctx) {
  const { t } = ctx;
  const state = h('p', { class: 'push-state' });
  const problem = h('div', { class: 'form-error push-error', role: 'alert' });
  const on = h('button', { type: 'button', class: 'btn btn-primary' }, t('settings.push.on'));
  const off = h('button', { type: 'button', class: 'btn', hidden: true }, t('settings.push.off'));
  const show = (subscribed) => {
    state.textContent = subscribed ? t('settings.push.stateOn') : t('settings.push.stateOff');
    on.hidden = subscribed;
    off.hidden = !subscribed;
  };
  if (!pushSupported()) {
    state.textContent = t('settings.push.unsupported');
    on.hidden = true;
  } else {
    show(false);
    navigator.serviceWorker.getRegistration().then((reg) => reg?.pushManager.getSubscription()).then((sub) => show(!!sub)).catch(() => {});
  }
  on.addEventListener('click', async () => {
    on.disabled = true;
    problem.textContent = '';
    state.textContent = t('settings.push.working');
    try {
      await subscribePush();
      show(true);
      ctx.toast(t('settings.push.done'), 'success');
    } catch (err) {
      noteError(err);
      show(false);
      const step = err?.step || 'save';
      problem.textContent = step === 'save' ? `${t('settings.push.fail.save')} ${errorMessage(err, t)}` : t(`settings.push.fail.${step}`);
    } finally {
      on.disabled = false;
    }
  });
  off.addEventListener('click', async () => {
    off.disabled = true;
    try {
      await unsubscribePush();
      show(false);
    } catch (err) {
      noteError(err);
      problem.textContent = errorMessage(err, t);
    } finally {
      off.disabled = false;
    }
  });
  return h('div', { class: 'stack push-block' }, h('h3', t('settings.push.title')), h('p', { class: 'hint' }, t('settings.push.hint')), state, problem, h('div', { class: 'row' }, on, off));
}

function dataSection(ctx) {
  const { t, pb, user } = ctx;
  const exportBtn = h('button', { type: 'button', class: 'btn' }, t('settings.export'));
  exportBtn.addEventListener('click', async () => {
    exportBtn.disabled = true;
    try {
      const data = await pb.send('/api/peerbase/me/export', { method: 'GET' });
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `peerbase-export-${user.id}.json`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      ctx.toast(t('settings.exported'), 'success');
    } catch (err) {
      noteError(err);
      ctx.toast(errorMessage(err, t), 'error');
    } finally {
      exportBtn.disabled = false;
    }
  });
  const deleteBtn = h('button', { type: 'button', class: 'btn btn-danger' }, t('settings.delete'));
  deleteBtn.addEventListener('click', async () => {
    if (!(await confirmDialog({ title: t('settings.deleteConfirm.title'), body: t('settings.deleteConfirm.body'), confirm: t('settings.deleteConfirm.yes'), danger: true }))) return;
    deleteBtn.disabled = true;
    try {
      await pb.collection('users').delete(user.id);
      pb.authStore.clear();
      ctx.toast(t('settings.deleted'), 'success');
      ctx.nav('/', { replace: true });
    } catch (err) {
      noteError(err);
      ctx.toast(errorMessage(err, t), 'error');
      deleteBtn.disabled = false;
    }
  });
  return section(t('settings.data'), h('p', t('settings.exportHint')), h('div', exportBtn), h('p', t('settings.deleteHint')), h('div', deleteBtn));
}

async function settingsScreen(ctx) {
  const { t, pb, user } = ctx;
  const me = await pb.collection('users').getOne(user.id);
  return h(
    'div',
    { class: 'screen settings' },
    h('h1', t('settings.title')),
    profileSection(ctx, me),
    placeSection(ctx, me),
    languageSection(ctx, me),
    notifySection(ctx, me),
    dataSection(ctx),
  );
}

export const routes = [{ path: '/settings', auth: true, render: settingsScreen }];
