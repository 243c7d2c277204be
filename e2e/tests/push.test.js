// Web Push end to end: the real binary delivers to an independent push
// service on loopback (lib/pushservice.js), which verifies every request as
// a strict push service would (VAPID JWT signed with the key of
// GET /api/peerbase/push/key, aud, exp, sub; TTL, Urgency, Topic) and
// decrypts its aes128gcm body with http_ece. A new message, a match and an
// exchange notification arrive decrypted with the headers of their type (a
// real match and a real exchange move too); 404 and 410 delete the
// subscription and leave a `gone` log row; 429 is retried after its
// Retry-After; 500 is retried with backoff, then failed; an endpoint that
// never answers times out without holding up the other devices; a fan-out
// sends no push more often than its log counts.
//
// The server runs with --push-retry-base=200ms, --push-timeout=5s and
// --push-max-attempts=3 so that retries take seconds, not hours.
// Rate limits stay as shipped: 3 sign-ups and 3 sign-ins from 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, signUp, sleep, waitFor } from '../lib/pb.js';
import { startPushService } from '../lib/pushservice.js';
import { startServer } from '../lib/server.js';

const SUBJECT = 'mailto:push-e2e@peerbase.test';
const DELIVERY_MS = 15_000; // a push must reach the push service by then (generous: a busy 2-core machine)
const MAX_ATTEMPTS = 3;
const TIMEOUT_S = 5; // --push-timeout: long enough for this push service on a busy machine

describe('Web Push to an independent push service', () => {
  let svc;
  let server;
  let admin;
  let alice; // offers things, has devices
  let bob; // writes to alice, requests an exchange, has a device
  let carol; // has no device
  let aliceDevice;
  let bobDevice;
  let offer;

  before(async () => {
    svc = await startPushService({ subject: SUBJECT });
    server = await startServer({
      args: ['--push-retry-base=200ms', `--push-timeout=${TIMEOUT_S}s`, `--push-max-attempts=${MAX_ATTEMPTS}`],
      env: { PEERBASE_PUSH_ALLOW_HOSTS: svc.host, PEERBASE_VAPID_SUBJECT: SUBJECT },
    });
    admin = await adminClient(server);
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    carol = await signUp(server.url, 'Carol');
  });

  after(async () => {
    await server?.stop();
    await svc?.close();
  });

  // subscribe registers a new device of who at the push service, with its
  // answer script, through the records API
  async function subscribe(who, script = [201], opts) {
    const device = svc.subscribe(script, opts);
    const rec = await who.pb.collection('push_subscriptions').create({
      user: who.user.id,
      endpoint: device.endpoint,
      p256dh: device.keys.p256dh,
      auth: device.keys.auth,
      user_agent: 'e2e',
    });
    assert.equal(rec.endpoint, device.endpoint);
    return { ...device, record: rec };
  }

  // notifyAs makes a superuser-created notification for who (the contract:
  // every notifications record is pushed to its user's devices)
  const notify = (who, title, type = 'moderation') =>
    admin.collection('notifications').create({ user: who.user.id, type, title, text: 'e2e', link: '/e2e' });

  const pushesTo = (device) => svc.requestsTo(device.id);

  // pushOf waits for the first push to device whose payload satisfies match
  const pushOf = (device, match, what, timeout = DELIVERY_MS) =>
    svc.waitFor(() => pushesTo(device).find((r) => r.json && match(r.json)), timeout, what);

  const delivery = (id) => admin.collection('push_deliveries').getOne(id);

  test('GET /api/peerbase/push/key answers the VAPID public key, a 65-byte P-256 point', async () => {
    const res = await fetch(`${server.url}/api/peerbase/push/key`);
    assert.equal(res.status, 200);
    const { publicKey } = await res.json();
    assert.match(publicKey, /^[A-Za-z0-9_-]{87}$/);
    const point = Buffer.from(publicKey, 'base64url');
    assert.equal(point.length, 65);
    assert.equal(point[0], 4);
    // every push from now on must be signed by this key
    svc.setPublicKey(publicKey);
  });

  test('alice and bob register devices through the records API', async () => {
    aliceDevice = await subscribe(alice);
    bobDevice = await subscribe(bob);
    const mine = await alice.pb.collection('push_subscriptions').getFullList();
    assert.deepEqual(
      mine.map((r) => r.id),
      [aliceDevice.record.id],
    );
  });

  test('a new message reaches the other participant: decrypted, Urgency high, TTL 1 day, Topic per thread', async () => {
    offer = await alice.pb.collection('offers').create({
      owner: alice.user.id,
      title: 'Cordless drill',
      kind: 'lend',
      status: 'active',
      location: { lon: 4.84, lat: 45.76 },
    });
    const thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });
    const text = 'Bonjour Alice ! ' + 'Is the drill still free this weekend? '.repeat(8);
    const message = await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body: text });

    const push = await pushOf(aliceDevice, (p) => p.source?.id === message.id, "alice's message push");
    assert.equal(push.urgency, 'high');
    assert.equal(push.ttl, 86400);
    assert.equal(push.topic, `t-${thread.id}`);
    assert.equal(push.claims.sub, SUBJECT);
    assert.equal(push.claims.aud, svc.origin);
    const p = push.json;
    assert.equal(p.type, 'message');
    assert.deepEqual(p.source, { collection: 'messages', id: message.id });
    assert.equal(p.data.thread, thread.id);
    assert.equal(p.data.message, message.id);
    assert.equal(p.url, `/threads/${thread.id}`);
    assert.equal(typeof p.id, 'string');
    assert.ok(p.title.length > 0, 'no title');
    assert.ok(p.body.length <= 101, `the body is ${p.body.length} characters: never a whole message`);
    assert.ok(text.startsWith(p.body.replace(/…$/, '')), `body ${JSON.stringify(p.body)}`);
    assert.ok(push.bodyBytes < 2048, `${push.bodyBytes} bytes on the wire: padded to 4096?`);

    // the log row is marked sent, the subscription its last success
    await waitFor(async () => (await delivery(p.id)).status === 'sent', DELIVERY_MS, 'the delivery marked sent');
    const sub = await alice.pb.collection('push_subscriptions').getOne(aliceDevice.record.id);
    assert.notEqual(sub.last_success_at, '');
    // bob wrote it: his own device is told nothing
    await sleep(300);
    assert.equal(pushesTo(bobDevice).length, 0, 'the author was pushed his own message');
    svc.assertNoViolations();
  });

  // what the server pushes for a match or an exchange notification, made by
  // the superuser as the capabilities would make it
  let aliceWant;
  test('a match notification is pushed with Urgency normal, TTL 3 days, Topic per want; not for a daily want', async () => {
    aliceWant = await alice.pb.collection('wants').create({
      owner: alice.user.id,
      query: 'perceuse sans fil',
      location: { lat: 45.76, lon: 4.84 },
      radius_km: 10,
      active: true,
      alert: 'instant',
    });
    const daily = await alice.pb.collection('wants').create({
      owner: alice.user.id,
      query: 'vélo cargo',
      active: true,
      alert: 'daily',
    });
    const quiet = await admin.collection('notifications').create({
      user: alice.user.id, type: 'match', title: 'A cargo bike', data: { want: daily.id, offer: offer.id },
    });
    const note = await admin.collection('notifications').create({
      user: alice.user.id, type: 'match', title: 'A drill near you', text: 'Perceuse Bosch', link: `/offers/${offer.id}`,
      data: { want: aliceWant.id, offer: offer.id },
    });
    const push = await pushOf(aliceDevice, (p) => p.source?.id === note.id, "alice's match push");
    assert.equal(push.urgency, 'normal');
    assert.equal(push.ttl, 259200);
    assert.equal(push.topic, `w-${aliceWant.id}`);
    assert.deepEqual(push.json.source, { collection: 'notifications', id: note.id });
    assert.equal(push.json.type, 'match');
    assert.equal(push.json.title, 'A drill near you');
    assert.equal(push.json.body, 'Perceuse Bosch');
    assert.equal(push.json.url, `/offers/${offer.id}`);
    assert.deepEqual(push.json.data, { want: aliceWant.id, offer: offer.id });
    await sleep(500);
    assert.ok(!pushesTo(aliceDevice).some((r) => r.json?.source?.id === quiet.id), 'a daily want\'s match was pushed');
    svc.assertNoViolations();
  });

  test('an exchange notification is pushed with Urgency high, TTL 7 days, no Topic', async () => {
    const note = await admin.collection('notifications').create({
      user: bob.user.id, type: 'exchange', title: 'Alice accepted', link: '/exchanges/x1', data: { exchange: 'x1' },
    });
    const push = await pushOf(bobDevice, (p) => p.source?.id === note.id, "bob's exchange push");
    assert.equal(push.urgency, 'high');
    assert.equal(push.ttl, 604800);
    assert.equal(push.topic, undefined);
    assert.equal(push.json.type, 'exchange');
    svc.assertNoViolations();
  });

  // The events themselves: matching and hooks/exchanges write these
  // notifications (hooks/notify), and push delivers them.
  test(
    'a real match (an offer for a saved want) reaches the want owner as a push',
    async () => {
      const matched = await bob.pb.collection('offers').create({
        owner: bob.user.id,
        title: 'Perceuse Bosch sans fil',
        kind: 'give',
        status: 'active',
        location: { lat: 45.77, lon: 4.84 },
      });
      const push = await pushOf(
        aliceDevice,
        (p) => p.type === 'match' && JSON.stringify(p.data ?? {}).includes(matched.id),
        "alice's match push",
        DELIVERY_MS,
      );
      assert.equal(push.urgency, 'normal');
      assert.equal(push.ttl, 259200);
      assert.equal(push.topic, `w-${aliceWant.id}`);
      const note = await alice.pb.collection('notifications').getOne(push.json.source.id);
      assert.equal(note.type, 'match');
      svc.assertNoViolations();
    },
  );

  test(
    'a real exchange move reaches the side it concerns as a push',
    async () => {
      const lamp = await alice.pb.collection('offers').create({
        owner: alice.user.id,
        title: 'Desk lamp',
        kind: 'sell',
        status: 'active',
        price: 15,
        currency: 'EUR',
      });
      const x = await bob.pb.collection('exchanges').create({ offer: lamp.id, requester: bob.user.id });
      const about = (p) => p.type === 'exchange' && JSON.stringify(p).includes(x.id);
      const requested = await pushOf(aliceDevice, about, "alice's exchange request push", DELIVERY_MS);
      assert.equal(requested.urgency, 'high');
      assert.equal(requested.ttl, 604800);
      assert.equal(requested.topic, undefined);
      await alice.pb.collection('exchanges').update(x.id, { state: 'accepted' });
      const accepted = await pushOf(bobDevice, about, "bob's exchange accepted push");
      assert.equal(accepted.urgency, 'high');
      svc.assertNoViolations();
    },
  );

  test('404 and 410 delete the subscription; its log row stays, gone; a sibling device still gets it', async () => {
    const d404 = await subscribe(carol, 404);
    const d410 = await subscribe(carol, 410);
    const ok = await subscribe(carol);
    const note = await notify(carol, 'Your report was handled');
    const pushes = await Promise.all(
      [d404, d410, ok].map((d) => pushOf(d, (p) => p.source?.id === note.id, `push to the ${d.endpoint}`)),
    );
    for (const [i, d] of [d404, d410].entries()) {
      await waitFor(
        async () => (await delivery(pushes[i].json.id)).status === 'gone',
        DELIVERY_MS,
        `the ${pushes[i].answer} delivery marked gone`,
      );
      const row = await delivery(pushes[i].json.id);
      assert.equal(row.subscription, '', 'the gone row still names its deleted subscription');
      assert.equal(row.recipient, carol.user.id);
      assert.equal(row.attempts, 1);
      await assert.rejects(
        carol.pb.collection('push_subscriptions').getOne(d.record.id),
        (err) => err.status === 404,
        `the ${pushes[i].answer} subscription still exists`,
      );
    }
    const left = await carol.pb.collection('push_subscriptions').getFullList();
    assert.deepEqual(
      left.map((r) => r.id),
      [ok.record.id],
    );
    // a later notification goes to the live device only, and once
    const again = await notify(carol, 'Second');
    await pushOf(ok, (p) => p.source?.id === again.id, 'the next push');
    await sleep(500);
    assert.equal(pushesTo(d404).length, 1);
    assert.equal(pushesTo(d410).length, 1);
    await admin.collection('push_subscriptions').delete(ok.record.id);
    svc.assertNoViolations();
  });

  test('429 is retried after its Retry-After, not the shorter backoff, then sent', async () => {
    const device = await subscribe(carol, [{ status: 429, retryAfter: 2 }, 201]);
    const note = await notify(carol, 'Rate limited');
    const first = await pushOf(device, (p) => p.source?.id === note.id, 'the first attempt');
    const second = await svc.waitFor(() => pushesTo(device)[1], 2_000 + DELIVERY_MS, 'the retry after Retry-After');
    const gap = second.at - first.at;
    assert.ok(gap >= 1_950, `retried ${gap} ms after a Retry-After of 2 s`);
    assert.ok(gap < 2_000 + DELIVERY_MS, `retried ${gap} ms after`);
    assert.equal(second.json.id, first.json.id, 'the retry is the same delivery');
    assert.equal(second.text, first.text, 'the retry carries the same payload');
    await waitFor(async () => (await delivery(first.json.id)).status === 'sent', DELIVERY_MS, 'the retry marked sent');
    assert.equal((await delivery(first.json.id)).attempts, 2);
    await admin.collection('push_subscriptions').delete(device.record.id);
    svc.assertNoViolations();
  });

  test(`500 is retried with growing delays, then failed after ${MAX_ATTEMPTS} attempts`, async () => {
    const device = await subscribe(carol, 500);
    const note = await notify(carol, 'Broken service');
    await pushOf(device, (p) => p.source?.id === note.id, 'the first attempt');
    const tries = await svc.waitFor(
      () => (pushesTo(device).length >= MAX_ATTEMPTS ? pushesTo(device) : null),
      2 * DELIVERY_MS,
      `${MAX_ATTEMPTS} attempts`,
    );
    const id = tries[0].json.id;
    assert.ok(
      tries.every((t) => t.json.id === id),
      'every attempt is the same delivery',
    );
    const gaps = tries.slice(1).map((t, i) => t.at - tries[i].at);
    assert.ok(gaps[0] >= 90, `the first retry came ${gaps[0]} ms after: no backoff`);
    assert.ok(gaps.every((g) => g < DELIVERY_MS), `gaps ${gaps}`);
    await waitFor(async () => (await delivery(id)).status === 'failed', DELIVERY_MS, 'the delivery marked failed');
    const row = await delivery(id);
    assert.equal(row.attempts, MAX_ATTEMPTS);
    assert.match(row.last_error, /500/);
    // no more attempts after the last one
    await sleep(1_500);
    assert.equal(pushesTo(device).length, MAX_ATTEMPTS);
    const sub = await carol.pb.collection('push_subscriptions').getOne(device.record.id);
    assert.equal(sub.failures, MAX_ATTEMPTS);
    await admin.collection('push_subscriptions').delete(device.record.id);
    svc.assertNoViolations();
  });

  test('an endpoint that never answers times out and is retried, without holding up another device', async () => {
    const stuck = await subscribe(carol, ['never', 201]);
    const fine = await subscribe(carol);
    const note = await notify(carol, 'Slow service');
    const t0 = Date.now();
    const first = await pushOf(stuck, (p) => p.source?.id === note.id, 'the held request');
    await pushOf(fine, (p) => p.source?.id === note.id, 'the push to the other device');
    assert.ok(Date.now() - t0 < TIMEOUT_S * 1000, `the other device waited ${Date.now() - t0} ms: held up by the stuck one`);
    const second = await svc.waitFor(() => pushesTo(stuck)[1], TIMEOUT_S * 1000 + DELIVERY_MS, 'the retry after the timeout');
    assert.ok(
      second.at - first.at >= TIMEOUT_S * 1000 - 50,
      `retried ${second.at - first.at} ms after, before the ${TIMEOUT_S} s timeout`,
    );
    assert.equal(second.json.id, first.json.id);
    await waitFor(async () => (await delivery(first.json.id)).status === 'sent', DELIVERY_MS, 'the retry marked sent');
    svc.assertNoViolations();
  });

  test('a fan-out of 300 pushes: no push is sent more often than its log row counts attempts', async (t) => {
    // 100 devices of carol's (made by the superuser: one batch), 3 notifications
    await admin.settings.update({ batch: { enabled: true, maxRequests: 200, timeout: 30 } });
    const devices = [];
    const batch = admin.createBatch();
    for (let i = 0; i < 100; i++) {
      const d = svc.subscribe();
      devices.push(d);
      batch.collection('push_subscriptions').create({
        user: carol.user.id,
        endpoint: d.endpoint,
        p256dh: d.keys.p256dh,
        auth: d.keys.auth,
      });
    }
    for (const r of await batch.send()) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const notes = [];
    for (let i = 0; i < 3; i++) {
      notes.push((await notify(carol, `Fan-out ${i}`)).id);
    }
    const wanted = new Set(notes);
    const got = () => devices.flatMap((d) => pushesTo(d)).filter((r) => wanted.has(r.json?.source?.id));
    await svc.waitFor(() => new Set(got().map((r) => r.json.id)).size >= 300, 4 * DELIVERY_MS, 'all 300 pushes');
    for (const d of devices) {
      assert.deepEqual(
        [...new Set(pushesTo(d).map((r) => r.json.source.id))].sort(),
        [...notes].sort(),
        `pushes to ${d.endpoint}`,
      );
    }
    // every answer was 201: a delivery is sent again only after a send the
    // server saw fail (a timeout on a busy machine, which may or may not
    // have reached the push service), and its log row counts every send; a
    // row received more often than its attempts was dispatched twice
    const perDelivery = new Map();
    for (const r of got()) {
      perDelivery.set(r.json.id, (perDelivery.get(r.json.id) ?? 0) + 1);
    }
    assert.equal(perDelivery.size, 300, 'one delivery per device and notification');
    await waitFor(
      async () => {
        const rows = await admin.collection('push_deliveries').getFullList({
          filter: `recipient = "${carol.user.id}" && status = "pending"`,
        });
        return rows.length === 0;
      },
      DELIVERY_MS,
      'no pending row left',
    );
    await sleep(500); // a late duplicate has time to show
    const rows = await admin.collection('push_deliveries').getFullList({ filter: `recipient = "${carol.user.id}"` });
    const byId = new Map(rows.map((r) => [r.id, r]));
    const mismatched = [];
    for (const [id, sends] of perDelivery) {
      const row = byId.get(id);
      assert.ok(row, `no log row ${id}`);
      if (sends > row.attempts) {
        mismatched.push({ id, sends, attempts: row.attempts, status: row.status, last_error: row.last_error });
      }
    }
    assert.deepEqual(mismatched, [], 'deliveries sent more often than their log counts');
    const retried = rows.filter((r) => r.attempts > 1).length;
    t.diagnostic(`${retried} of 300 needed more than one attempt (timeouts on this machine)`);
    svc.assertNoViolations();
  });

  test('a UnifiedPush endpoint (path and ?up=1 query, as ntfy gives) is registered and delivered to', async () => {
    const up = await subscribe(carol, [201], { path: (id) => `/up${id}?up=1` });
    const note = await notify(carol, 'Via UnifiedPush');
    const push = await pushOf(up, (p) => p.source?.id === note.id, 'the UnifiedPush delivery');
    assert.equal(push.url, new URL(up.endpoint).pathname + '?up=1');
    assert.equal(push.claims.aud, svc.origin);
    svc.assertNoViolations();
  });
});
