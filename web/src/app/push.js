// The service worker and Web Push. The worker (sw.js) caches the app shell
// and shows pushes; subscribing asks the browser's push service for an
// endpoint with the server's VAPID key, then saves it in push_subscriptions.
import { pb } from './api.js';

let registrationPromise = null;

/** registerServiceWorker registers /sw.js and follows its navigate messages. */
export function registerServiceWorker(router) {
  if (!('serviceWorker' in navigator)) return null;
  registrationPromise = navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err) => {
    console.warn('service worker not registered:', err);
    return null;
  });
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data?.type === 'navigate' && typeof e.data.url === 'string') router.nav(e.data.url);
  });
  return registrationPromise;
}

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** urlBase64ToUint8Array turns the base64url VAPID key into bytes. */
export function urlBase64ToUint8Array(b64) {
  const pad = '='.repeat((4 - (b64.length % 4)) % 4);
  const raw = atob((b64 + pad).replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/**
 * savePushSubscription stores a subscription (PushSubscription.toJSON():
 * {endpoint, keys: {p256dh, auth}}) for the signed-in person; the server
 * keeps one record per endpoint. Exposed as window.peerbase.savePushSubscription.
 */
export async function savePushSubscription(json) {
  const user = pb.authStore.record;
  if (!user) throw new Error('not signed in');
  const sub = typeof json === 'string' ? JSON.parse(json) : json;
  return pb.collection('push_subscriptions').create({
    user: user.id,
    endpoint: sub.endpoint,
    p256dh: sub.keys?.p256dh,
    auth: sub.keys?.auth,
    user_agent: navigator.userAgent.slice(0, 500),
  });
}

/**
 * subscribePush asks permission, subscribes with the server's key and saves
 * the subscription. It throws an Error whose `step` says what failed:
 * 'unsupported', 'permission', 'subscribe' (no push service answered) or 'save'.
 */
export async function subscribePush() {
  if (!pushSupported()) throw Object.assign(new Error('push not supported'), { step: 'unsupported' });
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw Object.assign(new Error(`permission ${permission}`), { step: 'permission' });
  const reg = (await registrationPromise) || (await navigator.serviceWorker.ready);
  const { publicKey } = await pb.send('/api/peerbase/push/key', { method: 'GET' });
  let sub;
  try {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(publicKey) });
  } catch (err) {
    throw Object.assign(new Error(err?.message || String(err)), { step: 'subscribe', cause: err });
  }
  try {
    return await savePushSubscription(sub.toJSON());
  } catch (err) {
    await sub.unsubscribe().catch(() => {});
    throw Object.assign(err, { step: 'save' });
  }
}

/** unsubscribePush drops this device's subscription here and on the server. */
export async function unsubscribePush() {
  const reg = await navigator.serviceWorker?.getRegistration();
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return false;
  const rec = await pb
    .collection('push_subscriptions')
    .getFirstListItem(pb.filter('endpoint = {:e}', { e: sub.endpoint }))
    .catch(() => null);
  if (rec) await pb.collection('push_subscriptions').delete(rec.id);
  await sub.unsubscribe();
  return true;
}
