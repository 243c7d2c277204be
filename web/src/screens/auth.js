// Sign in and sign up (email and password, PocketBase's users collection).
import { h } from '../app/h.js';
import { getLanguage, setLanguage } from '../app/i18n.js';
import { noteError } from '../app/offline.js';
import { field, formError, showErrors, busy } from '../ui/form.js';

/** safeNext keeps a ?next= target on this site. */
function safeNext(next) {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** langSwitch offers the other language before one has an account. */
function langSwitch(ctx) {
  const other = getLanguage() === 'fr' ? 'en' : 'fr';
  return h('p', { class: 'lang-switch' }, h('button', { type: 'button', class: 'btn btn-small btn-quiet', lang: other, onclick: () => setLanguage(other) }, other === 'fr' ? 'Français' : 'English'));
}

function signIn(ctx) {
  const { t, pb } = ctx;
  const form = h(
    'form',
    { class: 'form card', novalidate: true },
    formError(),
    field({ name: 'email', label: t('auth.email'), type: 'email', autocomplete: 'email', required: true }),
    field({ name: 'password', label: t('auth.password'), type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('auth.signin.submit')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(form, async () => {
      try {
        await pb.collection('users').authWithPassword(form.email.value.trim(), form.password.value);
        ctx.nav(safeNext(ctx.query.next), { replace: true });
      } catch (err) {
        noteError(err);
        if (err?.status === 400) err.response = { ...err.response, message: t('auth.signin.failed'), data: {} };
        showErrors(form, err, t);
      }
    });
  });
  return h(
    'section',
    { class: 'screen auth' },
    langSwitch(ctx),
    h('h1', t('auth.signin.title')),
    form,
    h('p', t('auth.signin.noAccount'), ' ', h('a', { href: `/signup${ctx.query.next ? `?next=${encodeURIComponent(ctx.query.next)}` : ''}` }, t('auth.signin.toSignup'))),
  );
}

function signUp(ctx) {
  const { t, pb } = ctx;
  const form = h(
    'form',
    { class: 'form card', novalidate: true },
    formError(),
    field({ name: 'name', label: t('auth.name'), hint: t('auth.nameHint'), autocomplete: 'name', required: true, maxlength: 100 }),
    field({ name: 'email', label: t('auth.email'), type: 'email', autocomplete: 'email', required: true }),
    field({ name: 'password', label: t('auth.password'), hint: t('auth.passwordHint'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    field({ name: 'passwordConfirm', label: t('auth.passwordConfirm'), type: 'password', autocomplete: 'new-password', required: true }),
    h('button', { class: 'btn btn-primary', type: 'submit' }, t('auth.signup.submit')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const data = {
      name: form.name.value.trim(),
      email: form.email.value.trim(),
      password: form.password.value,
      passwordConfirm: form.passwordConfirm.value,
    };
    if (data.password !== data.passwordConfirm) {
      showErrors(form, { response: { data: { passwordConfirm: { message: t('auth.mismatch') } } } }, t);
      return;
    }
    busy(form, async () => {
      try {
        let timezone = '';
        try {
          timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
        } catch {
          timezone = '';
        }
        await pb.collection('users').create({ ...data, locale: getLanguage(), timezone });
        await pb.collection('users').authWithPassword(data.email, data.password);
        ctx.toast(t('auth.signup.welcome', { name: data.name }), 'success');
        ctx.nav(safeNext(ctx.query.next), { replace: true });
      } catch (err) {
        noteError(err);
        showErrors(form, err, t);
      }
    });
  });
  return h(
    'section',
    { class: 'screen auth' },
    langSwitch(ctx),
    h('h1', t('auth.signup.title')),
    form,
    h('p', t('auth.signup.haveAccount'), ' ', h('a', { href: `/signin${ctx.query.next ? `?next=${encodeURIComponent(ctx.query.next)}` : ''}` }, t('auth.signup.toSignin'))),
  );
}

export const routes = [
  { path: '/signin', render: signIn },
  { path: '/signup', render: signUp },
];
