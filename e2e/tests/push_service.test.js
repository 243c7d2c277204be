// The loopback push service (lib/pushservice.js) that the push tests deliver
// to, checked against sends made by the npm `web-push` package (a sender we
// did not write): what a correct sender does is accepted, decrypted and
// answered as scripted; what a broken one does is refused and recorded.
// Without this, a push test could pass against a receiver that accepts
// anything.

import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, randomBytes, sign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import ece from 'http_ece';
import webpush from 'web-push';

import { MAX_BODY, startPushService, verifyVapid } from '../lib/pushservice.js';

const SUBJECT = 'mailto:push-e2e@peerbase.test';

// signJWT makes an ES256 VAPID JWT with any claims (web-push refuses to
// make the bad ones), signed by a base64url raw private key.
function signJWT(claims, vapid, header = { typ: 'JWT', alg: 'ES256' }) {
  const pub = Buffer.from(vapid.publicKey, 'base64url');
  const key = createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: vapid.privateKey,
      x: pub.subarray(1, 33).toString('base64url'),
      y: pub.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${enc(header)}.${enc(claims)}`;
  const sig = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

describe('the loopback push service', () => {
  let svc;
  let vapid;

  before(async () => {
    vapid = webpush.generateVAPIDKeys();
    svc = await startPushService({ publicKey: vapid.publicKey, subject: SUBJECT });
  });

  after(async () => {
    await svc?.close();
  });

  // send posts a request made by web-push (its headers changed by change)
  // over plain http (web-push's own sender speaks https only) and returns
  // {status, headers, text}
  async function send(sub, payload, { body, ...options } = {}, change = (h) => h) {
    const details = webpush.generateRequestDetails(sub, payload, {
      vapidDetails: { subject: SUBJECT, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: 60,
      ...options,
    });
    const headers = change({ ...details.headers });
    delete headers['Content-Length'];
    const res = await fetch(details.endpoint, {
      method: 'POST',
      headers,
      body: body ?? details.body,
      signal: AbortSignal.timeout(options.timeout ?? 5000),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }
  const raw = (sub, payload, change, options) => send(sub, payload, options, change);

  test('a correct send is verified, decrypted by http_ece and answered 201', async () => {
    const sub = svc.subscribe();
    const payload = JSON.stringify({ id: 'n1', title: 'Bonjour', text: 'é ✓' });
    const res = await send(sub, payload, { TTL: 3600, urgency: 'high', topic: 'thread-abc' });
    assert.equal(res.status, 201, res.text);
    const [r] = svc.requestsTo(sub.id);
    assert.equal(r.text, payload);
    assert.deepEqual(r.json, JSON.parse(payload));
    assert.equal(r.ttl, 3600);
    assert.equal(r.urgency, 'high');
    assert.equal(r.topic, 'thread-abc');
    assert.equal(r.claims.aud, svc.origin);
    assert.equal(r.claims.sub, SUBJECT);
    svc.assertNoViolations();
  });

  test('scripted answers: 404, 410, 429 with Retry-After then 201, 500 always', async () => {
    const expectStatus = async (sub, status) => {
      const res = await send(sub, '{}');
      assert.equal(res.status, status, res.text);
      return res;
    };
    await expectStatus(svc.subscribe(404), 404);
    await expectStatus(svc.subscribe(410), 410);
    const limited = svc.subscribe([{ status: 429, retryAfter: 7 }, 201]);
    const e = await expectStatus(limited, 429);
    assert.equal(e.headers.get('retry-after'), '7');
    assert.equal((await send(limited, '{}')).status, 201);
    const broken = svc.subscribe(500);
    await expectStatus(broken, 500);
    await expectStatus(broken, 500);
    assert.deepEqual(
      svc.requestsTo(broken.id).map((r) => r.answer),
      [500, 500],
    );
    svc.assertNoViolations();
  });

  test('a delayed answer, and an endpoint with its own path and query (UnifiedPush style)', async () => {
    const sub = svc.subscribe({ status: 201, delayMs: 300 }, { path: (id) => `/up${id}?up=1` });
    assert.match(sub.endpoint, /\/up[A-Za-z0-9_-]+\?up=1$/);
    const t0 = Date.now();
    const res = await send(sub, '{"n":1}');
    assert.equal(res.status, 201, res.text);
    assert.ok(Date.now() - t0 >= 280, `answered after ${Date.now() - t0} ms`);
    assert.deepEqual(svc.requestsTo(sub.id)[0].json, { n: 1 });
    svc.assertNoViolations();
  });

  test('"never" holds the request open until the sender gives up', async () => {
    const sub = svc.subscribe('never');
    const t0 = Date.now();
    const err = await send(sub, '{}', { timeout: 300 }).then(
      () => assert.fail('a never-answering endpoint answered'),
      (e) => e,
    );
    assert.ok(Date.now() - t0 >= 250, `gave up after ${Date.now() - t0} ms`);
    assert.equal(err.name, 'TimeoutError', `${err}`);
    assert.equal(svc.requestsTo(sub.id).length, 1, 'the held request was still checked and recorded');
  });

  test('a body for other receiver keys fails decryption', async () => {
    const sub = svc.subscribe();
    const other = createECDH('prime256v1');
    other.generateKeys();
    const wrong = { ...sub, keys: { ...sub.keys, p256dh: other.getPublicKey('base64url') } };
    const r = await raw(wrong, 'secret');
    assert.equal(r.status, 400);
    assert.match(r.text, /decryption failed/);
    const wrongAuth = { ...sub, keys: { ...sub.keys, auth: randomBytes(16).toString('base64url') } };
    assert.equal((await raw(wrongAuth, 'secret')).status, 400);
    assert.equal(svc.requestsTo(sub.id).length, 0);
  });

  test('refused: no TTL, a bad Urgency or Topic, aesgcm, a body over 4096 bytes, two records', async () => {
    const sub = svc.subscribe();
    const before = svc.violations.length;
    const cases = [
      [(h) => (delete h.TTL, h), 400, /no TTL/],
      [(h) => ({ ...h, TTL: '-1' }), 400, /TTL/],
      [(h) => ({ ...h, Urgency: 'urgent' }), 400, /Urgency/],
      [(h) => ({ ...h, Topic: 'a'.repeat(33) }), 400, /Topic/],
      [(h) => ({ ...h, Topic: 'thread/1' }), 400, /Topic/],
    ];
    for (const [change, status, re] of cases) {
      const r = await raw(sub, 'x', change);
      assert.equal(r.status, status, `${change}: ${r.text}`);
      assert.match(r.text, re);
    }
    const legacy = await raw(sub, 'x', (h) => ({ ...h, 'Content-Encoding': 'aesgcm' }));
    assert.equal(legacy.status, 415);
    // web-push (http_ece) writes one record as large as the plaintext: a
    // 4,100-byte payload makes a body over the limit
    const big = await raw(sub, 'y'.repeat(MAX_BODY + 4));
    assert.equal(big.status, 413);
    // a correct aes128gcm body in records of 60 bytes: RFC 8291 allows one
    const sender = createECDH('prime256v1');
    sender.generateKeys();
    const body = ece.encrypt(Buffer.alloc(200, 'z'), {
      version: 'aes128gcm',
      privateKey: sender,
      dh: sub.keys.p256dh,
      authSecret: sub.keys.auth,
      rs: 60,
    });
    const split = await raw(sub, 'x', (h) => h, { body });
    assert.equal(split.status, 400);
    assert.match(split.text, /more than one record/);
    assert.equal(svc.violations.length - before, cases.length + 3);
    assert.equal(svc.requestsTo(sub.id).length, 0);
  });

  test('refused: a JWT signed by another key, for another audience, too long-lived, expired, or with a bad sub', async () => {
    const sub = svc.subscribe();
    const other = webpush.generateVAPIDKeys();
    const now = Math.floor(Date.now() / 1000);
    const good = { aud: svc.origin, exp: now + 12 * 3600, sub: SUBJECT };
    const withJWT = (jwt, k = vapid.publicKey) => (h) => ({ ...h, Authorization: `vapid t=${jwt}, k=${k}` });
    const cases = [
      ['no Authorization', (h) => (delete h.Authorization, h), 401],
      ['WebPush scheme', (h) => ({ ...h, Authorization: `WebPush ${signJWT(good, vapid)}` }), 401],
      ['signed by another key, k ours', withJWT(signJWT(good, other)), 403],
      ['another server key', withJWT(signJWT(good, other), other.publicKey), 403],
      ['aud with a path', withJWT(signJWT({ ...good, aud: sub.endpoint }, vapid)), 403],
      ['aud of another origin', withJWT(signJWT({ ...good, aud: 'https://fcm.googleapis.com' }, vapid)), 403],
      ['exp 25 h away', withJWT(signJWT({ ...good, exp: now + 25 * 3600 }, vapid)), 403],
      ['expired', withJWT(signJWT({ ...good, exp: now - 10 }, vapid)), 403],
      ['no sub', withJWT(signJWT({ aud: good.aud, exp: good.exp }, vapid)), 403],
      ['mailto:mailto:', withJWT(signJWT({ ...good, sub: 'mailto:' + SUBJECT }, vapid)), 403],
      ['another sub', withJWT(signJWT({ ...good, sub: 'mailto:someone@else.test' }, vapid)), 403],
      ['HS256', withJWT(signJWT(good, vapid, { typ: 'JWT', alg: 'HS256' })), 401],
    ];
    for (const [what, change, status] of cases) {
      const r = await raw(sub, 'x', change);
      assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
    }
    // the same hand-made JWT with good claims passes: the cases above fail
    // for their one change
    assert.equal((await raw(sub, 'ok', withJWT(signJWT(good, vapid)))).status, 201);
    assert.equal(svc.requestsTo(sub.id).length, 1);
  });

  test('verifyVapid accepts an https: subject and a JWT 24 h long', () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = signJWT({ aud: 'https://push.example', exp: now + 24 * 3600, sub: 'https://peerbase.example/' }, vapid);
    const { claims } = verifyVapid(`vapid t=${jwt}, k=${vapid.publicKey}`, 'https://push.example', {
      publicKey: vapid.publicKey,
      nowS: now,
    });
    assert.equal(claims.sub, 'https://peerbase.example/');
  });
});
