// Small helpers the webwants screens share to name people, link to them and
// show errors from the API. (owner: webwants)

/** personName returns a user's display name, "Deleted user" for a placeholder. */
export function personName(t, user) {
  if (!user) return t('matches.someone');
  if (user.deleted) return t('people.deleted');
  return user.name || t('matches.someone');
}

/** apiMessage returns the most useful text of an SDK error: a field's message if any. */
export function apiMessage(err) {
  const data = err?.response?.data;
  if (data && typeof data === 'object') {
    for (const v of Object.values(data)) {
      if (v && typeof v.message === 'string') return v.message;
    }
  }
  return err?.response?.message || err?.message || String(err);
}

/** isNotFound reports whether an SDK error is a 404 (or a 403/400 on a view of something not ours). */
export function isNotFound(err) {
  return err?.status === 404 || err?.status === 403;
}

/**
 * subscribeInbox holds peerbase/inbox for the screen and calls fn with each
 * event's {action, collection, record}; the subscription ends with the screen.
 */
export async function subscribeInbox(ctx, fn) {
  try {
    const unsub = await ctx.pb.realtime.subscribe('peerbase/inbox', (e) => fn(e));
    ctx.onCleanup(() => unsub().catch(() => {}));
  } catch {
    // offline: the screen still works from what it loaded; the shell shows the banner
  }
}

/** fmt formats a number in the page's language. */
export function fmtNumber(n, opts) {
  return new Intl.NumberFormat(document.documentElement.lang || undefined, opts).format(n);
}
