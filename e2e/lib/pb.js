// Helpers around the official PocketBase JS SDK, shared by the test files.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { EventSource } from 'eventsource';
import PocketBase, { ClientResponseError } from 'pocketbase';

// Node 20 has no EventSource: the SDK's realtime client needs the polyfill
// installed globally before any client subscribes.
globalThis.EventSource = EventSource;

export { ClientResponseError, PocketBase };

/** client returns a fresh SDK client with its own auth store. */
export function client(url) {
  const pb = new PocketBase(url);
  // several requests of one client run at once in these tests: the SDK would
  // otherwise cancel the earlier of two identical pending requests
  pb.autoCancellation(false);
  return pb;
}

/** adminClient returns a client signed in as the server's superuser. */
export async function adminClient(server) {
  const pb = client(server.url);
  await pb.collection('_superusers').authWithPassword(server.adminEmail, server.adminPassword);
  return pb;
}

/** uniqueEmail returns an address no other test uses. */
export function uniqueEmail(prefix) {
  return `${prefix}-${randomBytes(4).toString('hex')}@peerbase.test`;
}

export const PASSWORD = 'correct-horse-battery';

/**
 * signUp creates a user through the public API (one `users:create`) and signs
 * them in (one `*:auth`); it returns the signed-in client and the user.
 */
export async function signUp(url, name) {
  const pb = client(url);
  const email = uniqueEmail(name.toLowerCase());
  await pb.collection('users').create({ email, password: PASSWORD, passwordConfirm: PASSWORD, name });
  const auth = await pb.collection('users').authWithPassword(email, PASSWORD);
  return { pb, user: auth.record, email };
}

/**
 * rejects awaits a promise that must fail with a ClientResponseError of the
 * given status, and returns the error.
 */
export async function rejects(promise, status, what) {
  let err;
  try {
    const value = await promise;
    assert.fail(`${what}: expected HTTP ${status}, got success: ${JSON.stringify(value)}`);
  } catch (e) {
    err = e;
  }
  if (!(err instanceof ClientResponseError)) {
    throw err;
  }
  assert.equal(err.status, status, `${what}: expected HTTP ${status}, got ${err.status}: ${JSON.stringify(err.response)}`);
  return err;
}

/**
 * fieldError asserts that a 400 response names a field-level error for
 * field (an object with a code and a message) and returns it.
 */
export function fieldError(err, field, what) {
  const data = err.response?.data ?? {};
  const item = data[field];
  assert.ok(item, `${what}: expected a field error for "${field}" in response.data, got ${JSON.stringify(err.response)}`);
  assert.equal(typeof item.code, 'string', `${what}: error for "${field}" has no code: ${JSON.stringify(item)}`);
  assert.equal(typeof item.message, 'string', `${what}: error for "${field}" has no message: ${JSON.stringify(item)}`);
  return item;
}

/** count returns the number of records a client can list in a collection. */
export async function count(pb, collection, filter = '') {
  const res = await pb.collection(collection).getList(1, 1, { filter, skipTotal: false });
  return res.totalItems;
}

/** sleep waits ms milliseconds. */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * waitFor polls check every pollMs (25 by default) until it returns a truthy
 * value (which it returns) or timeoutMs passes (then it fails with what).
 */
export async function waitFor(check, timeoutMs, what, pollMs = 25) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(pollMs);
  }
}

/**
 * setRateLimit changes the max requests of one rate-limit rule through the
 * settings API, as a superuser, keeping every other rule as it is. PocketBase
 * resets its rate-limit counters when settings change.
 */
export async function setRateLimit(admin, label, maxRequests) {
  const settings = await admin.settings.getAll();
  const rules = settings.rateLimits.rules.map((r) => (r.label === label ? { ...r, maxRequests } : r));
  assert.ok(
    rules.some((r) => r.label === label),
    `no rate-limit rule labelled ${label}: ${JSON.stringify(settings.rateLimits.rules)}`,
  );
  const updated = await admin.settings.update({ rateLimits: { ...settings.rateLimits, rules } });
  return updated.rateLimits;
}

/** haversineKm is the distance PocketBase's geoDistance computes, in km. */
export function haversineKm(a, b) {
  const rad = (d) => (d * Math.PI) / 180;
  const c =
    Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.cos(rad(b.lon) - rad(a.lon)) +
    Math.sin(rad(a.lat)) * Math.sin(rad(b.lat));
  return 6371 * Math.acos(Math.min(1, Math.max(-1, c)));
}
