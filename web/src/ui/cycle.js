// A swap cycle shown as what it is: who gives what to whom, in order (each
// gives to the next, the last to the first). Used by swap matches and swaps.
// (owner: webwants)
import { personName } from './people.js';

/**
 * loadCycle reads the people and offers of a cycle ([{person, offer}], in
 * giving order) and returns [{person, offer, user, record, to, toUser}].
 */
export async function loadCycle(ctx, cycle) {
  const { pb } = ctx;
  const users = new Map();
  const offers = new Map();
  await Promise.all([
    ...[...new Set(cycle.map((c) => c.person))].map((id) =>
      pb.collection('users').getOne(id, { fields: 'id,name,deleted,avatar,collectionId,collectionName' })
        .then((u) => users.set(id, u)).catch(() => {})),
    ...[...new Set(cycle.map((c) => c.offer))].map((id) =>
      pb.collection('offers').getOne(id, { fields: 'id,title,status,kind,owner' })
        .then((o) => offers.set(id, o)).catch(() => {})),
  ]);
  return cycle.map((c, i) => {
    const to = cycle[(i + 1) % cycle.length];
    return { person: c.person, offer: c.offer, user: users.get(c.person), record: offers.get(c.offer), to: to.person, toUser: users.get(to.person) };
  });
}

/** fill builds nodes from a translated template whose {names} become the given nodes. */
export function fill(h, template, parts) {
  const out = [];
  const re = /\{(\w+)\}/g;
  let last = 0;
  let m;
  while ((m = re.exec(template))) {
    if (m.index > last) out.push(template.slice(last, m.index));
    out.push(parts[m[1]] ?? m[0]);
    last = re.lastIndex;
  }
  if (last < template.length) out.push(template.slice(last));
  return out;
}

/**
 * cycleView renders the legs as an ordered list; extra(leg, i) may add
 * nodes to a leg (a swap's acceptance and exchange state).
 */
export function cycleView(ctx, legs, extra) {
  const { h, t, pb } = ctx;
  const me = pb.authStore.record?.id;
  const who = (id, user) => (id === me
    ? h('strong', {}, t('matches.you'))
    : h('a', { href: `/people/${id}` }, personName(t, user)));
  const line = (leg) => {
    const key = leg.person === me ? 'matches.youGive' : leg.to === me ? 'matches.givesYou' : 'matches.gives';
    // filled with markers, then with links, so that each sentence is translated whole
    const raw = t(key, { person: '{person}', offer: '{offer}', to: '{to}' });
    return fill(h, raw, {
      person: who(leg.person, leg.user),
      offer: leg.record ? h('a', { href: `/offers/${leg.offer}` }, `“${leg.record.title}”`) : h('em', {}, t('matches.offerGone')),
      to: who(leg.to, leg.toUser),
    });
  };
  // the cycle is a ring: start it at the caller's own leg ("You give ...")
  const mine = legs.findIndex((l) => l.person === me);
  const ring = mine > 0 ? [...legs.slice(mine), ...legs.slice(0, mine)] : legs;
  return h('ol', { class: 'cycle' }, ...ring.map((leg, i) => h('li', { class: `cycle-leg${leg.person === me ? ' cycle-mine' : ''}` },
    h('p', {}, ...line(leg)),
    extra ? extra(leg, i) : null,
  )));
}
