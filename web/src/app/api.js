// The one PocketBase client of the app, on the origin that served it. The
// SDK's LocalAuthStore keeps the session in localStorage across reloads.
import PocketBase from 'pocketbase';

export const pb = new PocketBase(location.origin);

// Screens load lists in parallel and reload them on events: the SDK's
// auto-cancellation of same-key requests would cancel wanted requests.
pb.autoCancellation(false);

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
