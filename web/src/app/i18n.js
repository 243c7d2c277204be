// t(key, vars) looks a string up in the current language (English or
// French), falling back to English, then to the key itself. Vars replace
// {name} placeholders; vars.count picks key.one / key.other when those exist.
// The language comes from the signed-in person's `locale`, else the one
// chosen on this device, else the browser's.
import strings from '../i18n/index.js';

export const languages = ['en', 'fr'];
let lang = 'en';
const listeners = new Set();

export function t(key, vars) {
  let k = key;
  if (vars && typeof vars.count === 'number') {
    const plural = new Intl.PluralRules(lang).select(vars.count) === 'one' ? 'one' : 'other';
    if (lookup(`${key}.${plural}`) != null) k = `${key}.${plural}`;
  }
  const s = lookup(k) ?? key;
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

function lookup(key) {
  return strings[lang]?.[key] ?? strings.en[key];
}

/** pickLanguage returns 'en' or 'fr' for a locale such as "fr-CA". */
export function pickLanguage(locale) {
  const base = String(locale || '').toLowerCase().split(/[-_]/)[0];
  return languages.includes(base) ? base : null;
}

/** initLanguage picks the language from the user, the device, the browser. */
export function initLanguage(user) {
  const chosen =
    pickLanguage(user?.locale) ||
    pickLanguage(safeStorage('get')) ||
    (navigator.languages || [navigator.language]).map(pickLanguage).find(Boolean) ||
    'en';
  setLanguage(chosen, { remember: false });
}

export function getLanguage() {
  return lang;
}

/** setLanguage switches language and tells listeners (the shell re-renders). */
export function setLanguage(next, { remember = true } = {}) {
  const l = pickLanguage(next) || 'en';
  if (remember) safeStorage('set', l);
  const changed = l !== lang;
  lang = l;
  document.documentElement.lang = l;
  if (changed) for (const fn of listeners) fn(l);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function safeStorage(op, value) {
  try {
    if (op === 'get') return localStorage.getItem('peerbase.lang');
    localStorage.setItem('peerbase.lang', value);
  } catch {
    return null;
  }
  return null;
}

/** formatNumber and formatDate follow the current language. */
export function formatNumber(n, opts) {
  return new Intl.NumberFormat(lang, opts).format(n);
}

export function formatDate(d, opts = { dateStyle: 'medium' }) {
  const date = d instanceof Date ? d : new Date(String(d).replace(' ', 'T'));
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(lang, opts).format(date);
}
