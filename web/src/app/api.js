// The one PocketBase client of the app, on the origin that served it. The
// SDK's LocalAuthStore keeps the session in localStorage across reloads.
import PocketBase from 'pocketbase';

export const pb = new PocketBase(location.origin);

// Screens load lists in parallel and reload them on events: the SDK's
// auto-cancellation of same-key requests would cancel wanted requests.
pb.autoCancellation(false);

// Every request goes through pb.send: a connection failure, and the next
// answer after one, are told to the listeners (offline.js shows the banner),
// whichever screen made the request.
const connectionListeners = new Set();
export function onConnection(fn) {
  connectionListeners.add(fn);
  return () => connectionListeners.delete(fn);
}
const send = pb.send.bind(pb);
pb.send = async function sendAndWatch(path, options) {
  try {
    const res = await send(path, options);
    for (const fn of connectionListeners) fn(true);
    return res;
  } catch (err) {
    if (isNetworkError(err)) for (const fn of connectionListeners) fn(false);
    else if (err?.status > 0) for (const fn of connectionListeners) fn(true);
    throw err;
  }
};

/** isNetworkError reports whether err is a request that never reached the server. */
export function isNetworkError(err) {
  return !!err && err.status === 0 && !err.isAbort;
}

/** errorMessage is the text to show for a failed request. */
export function errorMessage(err, t) {
  if (isNetworkError(err)) return t('app.error.network');
  if (err?.status === 429) return t('app.error.rate');
  const msg = err?.response?.message || err?.message;
  return msg || t('app.error.generic');
}

/** currentUser is the signed-in user's record, or null. */
export function currentUser() {
  return pb.authStore.isValid ? pb.authStore.record : null;
}
