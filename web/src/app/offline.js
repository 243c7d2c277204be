// Offline state: the browser says it is offline, or a request to the API
// could not connect. The shell shows a banner while offline; a check against
// /api/health every few seconds clears a connection failure.
import { pb, isNetworkError, onConnection } from './api.js';

let apiDown = false;
let timer = null;
const listeners = new Set();

export function isOffline() {
  return !navigator.onLine || apiDown;
}

export function onOfflineChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function emit() {
  const off = isOffline();
  for (const fn of listeners) fn(off);
}

/** noteError marks the API unreachable when err is a connection failure. */
export function noteError(err) {
  if (!isNetworkError(err)) return;
  if (!apiDown) {
    apiDown = true;
    emit();
  }
  if (!timer) timer = setInterval(probe, 5000);
}

function probe() {
  // pb.send tells reachable() when the server answers.
  pb.health.check().catch(() => {});
}

function reachable() {
  if (!apiDown) return;
  apiDown = false;
  clearInterval(timer);
  timer = null;
  emit();
}

export function initOffline() {
  onConnection((ok) => (ok ? reachable() : noteError({ status: 0, isAbort: false })));
  addEventListener('online', () => {
    probe();
    emit();
  });
  addEventListener('offline', emit);
}
