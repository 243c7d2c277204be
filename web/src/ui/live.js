// live keeps the open screens up to date for the signed-in person: one
// realtime subscription to `peerbase/inbox` (every message, thread update,
// exchange move... that concerns them), and a catch-up through
// `/api/peerbase/sync` whenever the realtime connection comes back or the
// page becomes visible again, since realtime events are not replayed. The
// sync cursor is kept in localStorage, per person, and moved on only after
// a page of changes has been handed to the screens.
//
// Screens listen with onChange(fn): fn({collection, action, id, record})
// for each change (action "create", "update" or "delete"; record is null for
// a deletion), or fn({reload: true}) when the cursor had expired and
// everything must be loaded again.

const SYNC_PAGE = 200;
const MAX_PAGES = 25; // a longer backlog is a reload, not a replay

const listeners = new Set();
// the newest `updated` seen per record, so that a late copy of a record (a
// realtime event and a sync page crossing) never replaces a newer one
const seen = new Map();

let state = null; // { pb, userId, stops: [], running, again }
let watchingAuth = false;

/** onChange registers fn for every change; it returns the function that stops it. */
export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit(ev) {
  for (const fn of [...listeners]) {
    try {
      fn(ev);
    } catch (err) {
      console.error('live listener failed', err);
    }
  }
}

// accept applies the "later updated wins, a deletion wins" rule and emits.
function accept(collection, action, id, record) {
  const key = `${collection}/${id}`;
  const prev = seen.get(key);
  if (prev === 'deleted') {
    return;
  }
  if (action === 'delete' || !record) {
    seen.set(key, 'deleted');
    emit({ collection, action: 'delete', id, record: null });
    return;
  }
  if (prev && record.updated && record.updated < prev) {
    return;
  }
  seen.set(key, record.updated || prev || '');
  emit({ collection, action, id, record });
}

function cursorKey(userId) {
  return `peerbase.sync.cursor.${userId}`;
}

function readCursor(userId) {
  try {
    return localStorage.getItem(cursorKey(userId)) || '';
  } catch {
    return '';
  }
}

function writeCursor(userId, cursor) {
  try {
    localStorage.setItem(cursorKey(userId), cursor);
  } catch {
    // private mode without storage: catch-up still works within the page
    memoryCursor = cursor;
  }
}

let memoryCursor = '';

/**
 * startLive subscribes to the signed-in person's inbox (once; calling it
 * again is free) and arranges the catch-ups. It is called by every screen
 * and by the nav badge, so whichever shows first starts it.
 */
export function startLive(pb) {
  if (!watchingAuth) {
    watchingAuth = true;
    pb.authStore.onChange(() => {
      const id = pb.authStore.isValid ? pb.authStore.record?.id : '';
      if (state && state.userId !== id) {
        stopLive();
      }
    });
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') {
        catchUp();
      }
    });
    window.addEventListener('online', () => catchUp());
  }
  const userId = pb.authStore.isValid ? pb.authStore.record?.id : '';
  if (!userId || state?.userId === userId) {
    return;
  }
  stopLive();
  const me = { pb, userId, stops: [], running: null, again: false, connected: false };
  state = me;
  (async () => {
    try {
      // the inbox first, then the catch-up: nothing falls between the two
      const stopInbox = await pb.realtime.subscribe('peerbase/inbox', (e) => {
        if (state === me && e?.collection && e.record) {
          accept(e.collection, e.action, e.record.id, e.record);
        }
      });
      // PB_CONNECT fires on the first connection and on every reconnection
      const stopConnect = await pb.realtime.subscribe('PB_CONNECT', () => {
        if (state === me) {
          catchUp();
        }
      });
      if (state !== me) {
        stopInbox().catch(() => {});
        stopConnect().catch(() => {});
        return;
      }
      me.stops.push(stopInbox, stopConnect);
      me.connected = true;
      await catchUp();
    } catch (err) {
      console.warn('live: no realtime connection yet', err);
    }
  })();
}

/** stopLive ends the subscriptions (sign-out, another person signs in). */
export function stopLive() {
  const old = state;
  state = null;
  seen.clear();
  if (old) {
    for (const stop of old.stops) {
      stop().catch(() => {});
    }
  }
}

/**
 * catchUp fetches what changed since the stored cursor and hands it to the
 * listeners; without a cursor it only stores the current one (the screens
 * load everything themselves). Concurrent calls share one run.
 */
export function catchUp() {
  const me = state;
  if (!me) {
    return Promise.resolve();
  }
  if (me.running) {
    me.again = true;
    return me.running;
  }
  me.running = (async () => {
    do {
      me.again = false;
      await runCatchUp(me);
    } while (me.again && state === me);
  })()
    .catch((err) => console.warn('live: catch-up failed', err))
    .finally(() => {
      me.running = null;
    });
  return me.running;
}

async function runCatchUp(me) {
  const { pb, userId } = me;
  let since = readCursor(userId) || memoryCursor;
  if (!since) {
    const head = await pb.send('/api/peerbase/sync', { requestKey: null });
    if (state === me) {
      writeCursor(userId, head.cursor);
    }
    return;
  }
  for (let page = 0; page < MAX_PAGES; page++) {
    let answer;
    try {
      answer = await pb.send('/api/peerbase/sync', { query: { since, limit: SYNC_PAGE }, requestKey: null });
    } catch (err) {
      if (err?.status === 410 || err?.status === 400) {
        // expired or not this server's: start over from now
        return reload(me);
      }
      throw err;
    }
    if (state !== me) {
      return;
    }
    for (const it of answer.items) {
      accept(it.collection, it.action, it.id, it.record);
    }
    since = answer.cursor;
    writeCursor(userId, since);
    if (!answer.more) {
      return;
    }
  }
  return reload(me);
}

async function reload(me) {
  const head = await me.pb.send('/api/peerbase/sync', { requestKey: null });
  if (state !== me) {
    return;
  }
  writeCursor(me.userId, head.cursor);
  seen.clear();
  emit({ reload: true });
}
