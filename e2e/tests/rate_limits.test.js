// The rate limits a fresh install ships with (pb_migrations/*_default_settings.go)
// answer 429 at exactly their count, per client IP; a superuser can raise
// them through the settings API, which is what a test that needs many
// sign-ins from 127.0.0.1 would do. This file has a server of its own, so
// its counters start at zero and no other test is throttled by them.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, client, count, PASSWORD, rejects, setRateLimit, uniqueEmail } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const SHIPPED = {
  '*:auth': { maxRequests: 10, duration: 60 },
  'users:create': { maxRequests: 5, duration: 60 },
  '*:create': { maxRequests: 30, duration: 10 },
  '/api/': { maxRequests: 300, duration: 10 },
};

describe('shipped rate limits', () => {
  let server;
  let admin;
  const people = []; // {email, record}

  before(async () => {
    // these are the per-IP limits: the stricter per-person limits of accounts
    // younger than a day (10 offers an hour) are off here, or they would
    // answer the 11th of the 30 creates below (hooks/moderation tests them)
    server = await startServer({ args: ['--new-account-age', '0s'] });
    admin = await adminClient(server); // superusers are never rate limited
  });

  after(async () => {
    await server?.stop();
  });

  test('a fresh install has the shipped rules, enabled', async () => {
    const { rateLimits } = await admin.settings.getAll();
    assert.equal(rateLimits.enabled, true);
    for (const [label, want] of Object.entries(SHIPPED)) {
      const rule = rateLimits.rules.find((r) => r.label === label);
      assert.ok(rule, `no rule ${label} in ${JSON.stringify(rateLimits.rules)}`);
      assert.equal(rule.maxRequests, want.maxRequests, `${label} maxRequests`);
      assert.equal(rule.duration, want.duration, `${label} duration`);
    }
  });

  test('sign-ups: 5 a minute from one IP, the 6th gets 429 and creates nobody', async () => {
    const guest = client(server.url);
    const started = Date.now();
    for (let i = 1; i <= 5; i++) {
      const email = uniqueEmail(`person${i}`);
      const record = await guest.collection('users').create({ email, password: PASSWORD, passwordConfirm: PASSWORD, name: `Person ${i}` });
      people.push({ email, record });
    }
    const email = uniqueEmail('person6');
    await rejects(
      guest.collection('users').create({ email, password: PASSWORD, passwordConfirm: PASSWORD }),
      429,
      'the 6th sign-up within a minute',
    );
    assert.ok(Date.now() - started < 50_000, 'the sign-ups must fit in one window');
    assert.equal(await count(admin, 'users', `email = "${email}"`), 0);
    assert.equal(await count(admin, 'users'), 5);
  });

  test('sign-ins: 10 a minute from one IP, the 11th gets 429, for any account', async () => {
    const [first, second] = people;
    const started = Date.now();
    for (let i = 1; i <= 10; i++) {
      const pb = client(server.url);
      const auth = await pb.collection('users').authWithPassword(first.email, PASSWORD);
      assert.equal(auth.record.id, first.record.id, `sign-in ${i}`);
    }
    await rejects(
      client(server.url).collection('users').authWithPassword(first.email, PASSWORD),
      429,
      'the 11th sign-in within a minute',
    );
    // the limit is the IP's, not the account's
    await rejects(
      client(server.url).collection('users').authWithPassword(second.email, PASSWORD),
      429,
      'a sign-in to another account from the same IP',
    );
    assert.ok(Date.now() - started < 50_000, 'the sign-ins must fit in one window');
  });

  test('a superuser raises the sign-in limit through the settings API', async () => {
    const rateLimits = await setRateLimit(admin, '*:auth', 12);
    assert.equal(rateLimits.rules.find((r) => r.label === '*:auth').maxRequests, 12);
    // the other rules are untouched
    assert.equal(rateLimits.rules.find((r) => r.label === 'users:create').maxRequests, 5);

    const [, second] = people;
    for (let i = 1; i <= 12; i++) {
      await client(server.url).collection('users').authWithPassword(second.email, PASSWORD);
    }
    await rejects(
      client(server.url).collection('users').authWithPassword(second.email, PASSWORD),
      429,
      'the 13th sign-in under a raised limit of 12',
    );
  });

  test('record creation: 30 per 10 s from one IP, the 31st gets 429', async () => {
    const [, , third] = people;
    const pb = client(server.url);
    await setRateLimit(admin, '*:auth', SHIPPED['*:auth'].maxRequests); // also resets the counters
    await pb.collection('users').authWithPassword(third.email, PASSWORD);

    const offer = (i) => ({ owner: third.record.id, title: `Book number ${i}`, kind: 'give', status: 'active' });
    const started = Date.now();
    for (let i = 1; i <= 30; i++) {
      await pb.collection('offers').create(offer(i));
    }
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 8_000, `30 creates took ${elapsed} ms: too slow to test a 10 s window`);
    await rejects(pb.collection('offers').create(offer(31)), 429, 'the 31st create within 10 s');
    assert.equal(await count(admin, 'offers', `owner = "${third.record.id}"`), 30);
  });
});
