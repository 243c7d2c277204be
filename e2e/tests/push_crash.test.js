// Nothing is lost on kill -9: a fan-out of 1,000 notifications (50 people,
// 20 each, one device each) is written, the server is killed with SIGKILL
// while deliveries are still pending (the push service answers each one
// after 300 ms, so 1,000 take seconds), and restarted on the same data dir.
// Every notification then reaches its device at least once, counted by the
// push service per notification and per delivery id; each request it took
// passed its checks (VAPID signed with the same key before and after the
// restart, aes128gcm decrypted by http_ece).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { PASSWORD, adminClient, client, uniqueEmail } from '../lib/pb.js';
import { startPushService } from '../lib/pushservice.js';
import { startServer } from '../lib/server.js';

const SUBJECT = 'mailto:push-crash@peerbase.test';
const PEOPLE = 50;
const EACH = 20; // notifications per person
const TOTAL = PEOPLE * EACH;
const ANSWER_DELAY_MS = 100;

describe('push deliveries survive kill -9', () => {
  let svc;
  let server;
  let publicKey;
  const people = []; // {user, device}
  const notes = new Map(); // notification id -> device id

  before(async () => {
    svc = await startPushService({ subject: SUBJECT });
    server = await startServer({
      // the default of 64 sends in flight; a short retry base in case of errors
      args: ['--push-retry-base=200ms', '--push-timeout=5s'],
      env: { PEERBASE_PUSH_ALLOW_HOSTS: svc.host, PEERBASE_VAPID_SUBJECT: SUBJECT },
    });
    ({ publicKey } = await (await fetch(`${server.url}/api/peerbase/push/key`)).json());
    svc.setPublicKey(publicKey);
  });

  after(async () => {
    await server?.stop();
    await svc?.close();
  });

  test(`${PEOPLE} people with a device each (made by the superuser)`, async () => {
    const admin = await adminClient(server);
    // bcrypt's lowest cost for these throwaway accounts: 50 sign-ups in
    // milliseconds, not seconds
    const users = await admin.collections.getOne('users');
    const fields = users.fields.map((f) => (f.name === 'password' ? { ...f, cost: 4 } : f));
    await admin.collections.update('users', { fields });
    await admin.settings.update({ batch: { enabled: true, maxRequests: 500, timeout: 30 } });
    const batch = admin.createBatch();
    const emails = [];
    for (let i = 0; i < PEOPLE; i++) {
      const email = uniqueEmail(`crash${i}`);
      emails.push(email);
      batch.collection('users').create({ email, password: PASSWORD, passwordConfirm: PASSWORD, name: `Crash ${i}` });
    }
    const created = await batch.send();
    const subs = admin.createBatch();
    for (const [i, r] of created.entries()) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const device = svc.subscribe([{ status: 201, delayMs: ANSWER_DELAY_MS }]);
      people.push({ user: r.body, device, email: emails[i] });
      subs.collection('push_subscriptions').create({
        user: r.body.id,
        endpoint: device.endpoint,
        p256dh: device.keys.p256dh,
        auth: device.keys.auth,
      });
    }
    for (const r of await subs.send()) {
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });

  test(`a fan-out of ${TOTAL} notifications, killed with SIGKILL while deliveries are pending, then restarted`, async (t) => {
    const admin = await adminClient(server);
    for (let start = 0; start < TOTAL; start += 500) {
      const batch = admin.createBatch();
      const order = [];
      for (let i = start; i < Math.min(start + 500, TOTAL); i++) {
        const who = people[i % PEOPLE];
        order.push(who);
        batch.collection('notifications').create({
          user: who.user.id,
          type: 'moderation',
          title: `Crash test ${i}`,
          text: 'e2e',
          link: '/e2e',
        });
      }
      const res = await batch.send();
      for (const [j, r] of res.entries()) {
        assert.equal(r.status, 200, JSON.stringify(r.body));
        notes.set(r.body.id, order[j].device.id);
      }
    }
    assert.equal(notes.size, TOTAL);
    const tWritten = Date.now();

    // some deliveries have gone out and many are still waiting
    await svc.waitFor(() => svc.received.length >= 50, 20_000, 'the first 50 deliveries');
    const pending = await admin.collection('push_deliveries').getList(1, 1, { filter: 'status = "pending"' });
    const beforeKill = svc.received.length;
    const killed = await server.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(pending.totalItems > 0, 'no delivery was pending at the kill');
    assert.ok(beforeKill < TOTAL, `all ${beforeKill} deliveries were made before the kill`);
    const seenBeforeKill = new Set(svc.received.map((r) => r.json?.source?.id));

    const tKill = Date.now();
    await server.restart();
    // the restarted server signs with the same key (kept in the data dir)
    const again = await (await fetch(`${server.url}/api/peerbase/push/key`)).json();
    assert.equal(again.publicKey, publicKey);

    const arrived = () => {
      const ids = new Set(svc.received.map((r) => r.json?.source?.id));
      return [...notes.keys()].every((id) => ids.has(id));
    };
    await svc.waitFor(arrived, 60_000, `all ${TOTAL} notifications after the restart`);
    const tDone = Date.now();

    // per notification and per delivery id: at least once, at the right device
    const perNote = new Map();
    const perDelivery = new Map();
    for (const r of svc.received) {
      const id = r.json?.source?.id;
      assert.equal(r.id, notes.get(id), `notification ${id} went to another device`);
      perNote.set(id, (perNote.get(id) ?? 0) + 1);
      perDelivery.set(r.json.id, (perDelivery.get(r.json.id) ?? 0) + 1);
    }
    const missing = [...notes.keys()].filter((id) => !perNote.has(id));
    assert.deepEqual(missing, [], 'notifications never delivered');
    assert.equal(perDelivery.size, TOTAL, 'one delivery id per notification and device');
    const dupes = [...perNote.values()].filter((n) => n > 1).length;
    const afterRestart = [...notes.keys()].filter((id) => !seenBeforeKill.has(id)).length;
    assert.ok(afterRestart > 0, 'nothing was left for the restarted server to send');
    svc.assertNoViolations();
    t.diagnostic(
      `${beforeKill} requests before the kill, ${afterRestart} notifications first sent after the restart ` +
        `(all in ${tDone - tKill} ms from the kill, killed ${tKill - tWritten} ms after the fan-out was written), ` +
        `${dupes} sent twice`,
    );

    // the log agrees: nothing left pending
    const admin2 = await adminClient(server);
    const stillPending = async () =>
      (await admin2.collection('push_deliveries').getList(1, 1, { filter: 'status = "pending"' })).totalItems;
    const deadline = Date.now() + 10_000;
    while ((await stillPending()) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(await stillPending(), 0, 'deliveries still pending in the log');
    const sent = await admin2.collection('push_deliveries').getList(1, 1, { filter: 'status = "sent"' });
    assert.equal(sent.totalItems, TOTAL);
  });
});
