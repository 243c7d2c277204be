// The category tree, loaded once per page: categories() resolves to a list
// in display order with `depth` (0 for top level); categorySelect builds a
// <select> of it.
import { h } from '../app/h.js';
import { pb } from '../app/api.js';
import { t } from '../app/i18n.js';

let loading = null;

export function categories() {
  loading ??= pb
    .collection('categories')
    .getFullList({ sort: 'sort,name', batch: 500 })
    .then((all) => {
      const byParent = new Map();
      for (const c of all) {
        const k = c.parent || '';
        if (!byParent.has(k)) byParent.set(k, []);
        byParent.get(k).push(c);
      }
      const out = [];
      const walk = (parent, depth) => {
        for (const c of byParent.get(parent) || []) {
          out.push({ ...c, depth });
          walk(c.id, depth + 1);
        }
      };
      walk('', 0);
      return out;
    })
    .catch((err) => {
      loading = null;
      throw err;
    });
  return loading;
}

/** descendants returns the ids of a category and every category under it. */
export function descendants(list, id) {
  const ids = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of list) {
      if (c.parent && ids.has(c.parent) && !ids.has(c.id)) {
        ids.add(c.id);
        grew = true;
      }
    }
  }
  return [...ids];
}

/** categorySelect(list, value, attrs) is a <select> of the tree with an "any" first option. */
export function categorySelect(list, value, { anyLabel = t('offers.filter.anyCategory'), ...attrs } = {}) {
  return h(
    'select',
    attrs,
    h('option', { value: '' }, anyLabel),
    list.map((c) => h('option', { value: c.id, selected: c.id === value || c.slug === value }, `${'\u2014 '.repeat(c.depth)}${c.icon ? `${c.icon} ` : ''}${c.name}`)),
  );
}
