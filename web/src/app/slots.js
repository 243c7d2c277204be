// Slots let one area add controls to another area's screen without either
// importing the other: provide('offer.actions', (ctx, offer) => node) at
// import time; slot('offer.actions', ctx, offer) on the screen returns what
// every provider built (a fragment), or null when there is none.
// Names: offer.actions, profile.actions, nav.badges, message.actions.

const providers = new Map();

export function provide(name, fn) {
  if (!providers.has(name)) providers.set(name, []);
  providers.get(name).push(fn);
}

export function slot(name, ctx, arg) {
  const list = providers.get(name);
  if (!list || list.length === 0) return null;
  const frag = document.createDocumentFragment();
  for (const fn of list) {
    try {
      const node = fn(ctx, arg);
      if (node instanceof Node) frag.append(node);
    } catch (err) {
      console.error(`slot ${name}:`, err);
    }
  }
  return frag.childNodes.length ? frag : null;
}

/** hasSlot reports whether anything provides name. */
export function hasSlot(name) {
  return (providers.get(name) || []).length > 0;
}
