// An independent Web Push service on loopback for end-to-end tests: it plays
// the part of FCM, Mozilla autopush or a UnifiedPush distributor. Each
// subscription it hands out has its own endpoint URL and its own receiver
// keys (a P-256 key pair and a 16-byte auth secret, as a browser makes them).
//
// Every request is checked as a strict push service would, before the
// endpoint's scripted answer is given:
//   - RFC 8292 VAPID: `Authorization: vapid t=<JWT>, k=<public key>`, the JWT
//     signed with ES256 by k (and k the server's published key when told),
//     `aud` the endpoint's origin, `exp` in the future and at most 24 h away,
//     `sub` a mailto: or https: URL (and not "mailto:mailto:");
//   - RFC 8030 headers: TTL a non-negative integer, Urgency one of very-low,
//     low, normal, high, Topic at most 32 URL-safe base64 characters;
//   - RFC 8291/8188: `Content-Encoding: aes128gcm`, a body of at most 4096
//     bytes in a single record, decrypted with the npm package http_ece (code
//     the server's authors did not write) using the receiver's private key
//     and auth secret.
// A request failing a check is answered 400, 401, 403 or 413 and recorded in
// `violations`, which tests assert empty. A request passing them is
// recorded (headers, decrypted payload, time) in `received`, whatever the
// endpoint then answers.
//
// The answers an endpoint gives are a script: a list of steps, each a status
// (201, 404, 410, 429, 500, ...) with an optional Retry-After and an optional
// delay before answering, or "never" (the request is held open and never
// answered); the last step repeats.

import assert from 'node:assert/strict';
import { createECDH, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer } from 'node:http';

import ece from 'http_ece';

/** MAX_BODY is the largest encrypted body push services accept (FCM, autopush). */
export const MAX_BODY = 4096;

/** MAX_JWT_LIFETIME_S is RFC 8292's limit on a VAPID JWT's exp: 24 hours from now. */
export const MAX_JWT_LIFETIME_S = 24 * 3600;

const URGENCIES = ['very-low', 'low', 'normal', 'high'];
const TOPIC_RE = /^[A-Za-z0-9_-]{1,32}$/;
const B64URL_RE = /^[A-Za-z0-9_-]+$/;

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const unb64url = (s) => Buffer.from(s, 'base64url');

/**
 * normaliseStep turns a script step into {status, retryAfter, delayMs,
 * never}: 201, {status: 429, retryAfter: 2}, {status: 201, delayMs: 100} or
 * 'never'.
 */
function normaliseStep(step) {
  if (step === 'never') {
    return { never: true };
  }
  if (typeof step === 'number') {
    return { status: step };
  }
  assert.ok(step && (step.never || Number.isInteger(step.status)), `bad script step ${JSON.stringify(step)}`);
  return { ...step };
}

// publicKeys caches the KeyObject of each VAPID key seen (a server uses one)
const publicKeys = new Map();

/**
 * verifyVapid checks an Authorization header against RFC 8292 and returns
 * {claims, key} or throws an Error whose `status` is the answer to give.
 */
export function verifyVapid(authorization, endpointOrigin, { publicKey, subject, nowS = Date.now() / 1000 } = {}) {
  const fail = (status, msg) => Object.assign(new Error(msg), { status });
  if (!authorization) {
    throw fail(401, 'no Authorization header');
  }
  const m = /^vapid\s+(.*)$/i.exec(authorization.trim());
  if (!m) {
    throw fail(401, `Authorization is not the "vapid" scheme: ${authorization.slice(0, 40)}`);
  }
  const params = {};
  for (const part of m[1].split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) {
      params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  const { t, k } = params;
  if (!t || !k) {
    throw fail(401, `Authorization lacks t= or k=: ${authorization.slice(0, 60)}`);
  }
  if (!B64URL_RE.test(k)) {
    throw fail(401, 'k is not unpadded base64url');
  }
  const point = unb64url(k);
  if (point.length !== 65 || point[0] !== 4) {
    throw fail(401, `k is not an uncompressed P-256 point (${point.length} bytes)`);
  }
  if (publicKey && k !== publicKey) {
    throw fail(403, `k is not the server's VAPID key (got ${k.slice(0, 12)}…, want ${publicKey.slice(0, 12)}…)`);
  }
  const parts = t.split('.');
  if (parts.length !== 3 || !parts.every((p) => B64URL_RE.test(p))) {
    throw fail(401, 'the JWT is not three base64url parts');
  }
  let header;
  let claims;
  try {
    header = JSON.parse(unb64url(parts[0]).toString('utf8'));
    claims = JSON.parse(unb64url(parts[1]).toString('utf8'));
  } catch {
    throw fail(401, 'the JWT header or claims are not JSON');
  }
  if (header.alg !== 'ES256') {
    throw fail(401, `JWT alg is ${header.alg}, not ES256`);
  }
  if (header.typ !== undefined && header.typ !== 'JWT') {
    throw fail(401, `JWT typ is ${header.typ}`);
  }
  let key = publicKeys.get(k);
  if (!key) {
    key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) },
      format: 'jwk',
    });
    publicKeys.set(k, key);
  }
  const sig = unb64url(parts[2]);
  if (sig.length !== 64) {
    throw fail(401, `ES256 signature is ${sig.length} bytes, not 64 (r||s)`);
  }
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii');
  if (!verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, sig)) {
    throw fail(403, 'the JWT signature does not verify with k');
  }
  if (claims.aud !== endpointOrigin) {
    throw fail(403, `JWT aud is ${JSON.stringify(claims.aud)}, not the endpoint's origin ${endpointOrigin}`);
  }
  if (!Number.isInteger(claims.exp)) {
    throw fail(403, `JWT exp is not an integer: ${JSON.stringify(claims.exp)}`);
  }
  if (claims.exp <= nowS) {
    throw fail(403, `JWT expired ${Math.round(nowS - claims.exp)} s ago`);
  }
  // a minute of slack for clocks and for the time a request waits to be sent
  if (claims.exp > nowS + MAX_JWT_LIFETIME_S + 60) {
    throw fail(403, `JWT exp is ${Math.round((claims.exp - nowS) / 3600)} h away, more than 24 h`);
  }
  if (typeof claims.sub !== 'string' || !/^(mailto:[^:\s]+@[^\s]+|https:\/\/\S+)$/.test(claims.sub)) {
    throw fail(403, `JWT sub is not a mailto: or https: URL: ${JSON.stringify(claims.sub)}`);
  }
  if (subject && claims.sub !== subject) {
    throw fail(403, `JWT sub is ${claims.sub}, want ${subject}`);
  }
  return { claims, key: k };
}

/**
 * checkHeaders checks the RFC 8030 and 8291 request headers and returns
 * {ttl, urgency, topic} or throws an Error with a `status`.
 */
export function checkHeaders(h) {
  const fail = (status, msg) => Object.assign(new Error(msg), { status });
  if (h.ttl === undefined) {
    throw fail(400, 'no TTL header');
  }
  if (!/^\d+$/.test(h.ttl)) {
    throw fail(400, `TTL is not a non-negative integer: ${h.ttl}`);
  }
  const urgency = h.urgency;
  if (urgency !== undefined && !URGENCIES.includes(urgency)) {
    throw fail(400, `Urgency ${urgency} is not one of ${URGENCIES.join(', ')}`);
  }
  const topic = h.topic;
  if (topic !== undefined && !TOPIC_RE.test(topic)) {
    throw fail(400, `Topic ${JSON.stringify(topic)} is not 1 to 32 URL-safe base64 characters`);
  }
  if ((h['content-encoding'] ?? '').toLowerCase() !== 'aes128gcm') {
    throw fail(415, `Content-Encoding is ${h['content-encoding']}, not aes128gcm`);
  }
  return { ttl: Number(h.ttl), urgency, topic };
}

/**
 * decryptBody decrypts an aes128gcm body (RFC 8291) for a receiver key pair
 * with http_ece, after checking that it is one record of at most MAX_BODY
 * bytes; it returns the plaintext Buffer or throws an Error with a `status`.
 */
export function decryptBody(body, ecdh, authSecret) {
  const fail = (status, msg) => Object.assign(new Error(msg), { status });
  if (body.length > MAX_BODY) {
    throw fail(413, `body is ${body.length} bytes, more than ${MAX_BODY}`);
  }
  if (body.length < 21 + 65 + 17) {
    throw fail(400, `body is ${body.length} bytes, too short for an aes128gcm header and one record`);
  }
  const rs = body.readUInt32BE(16);
  const idlen = body[20];
  if (idlen !== 65) {
    throw fail(400, `aes128gcm keyid is ${idlen} bytes, not the sender's 65-byte public key (RFC 8291)`);
  }
  const records = body.length - 21 - idlen;
  if (records > rs) {
    throw fail(400, `aes128gcm body holds more than one record (${records} bytes, rs ${rs}): RFC 8291 allows one`);
  }
  try {
    return ece.decrypt(body, { version: 'aes128gcm', privateKey: ecdh, authSecret });
  } catch (err) {
    throw fail(400, `aes128gcm decryption failed: ${err.message}`);
  }
}

/**
 * startPushService listens on a free 127.0.0.1 port. Options: publicKey (the
 * VAPID key every JWT must be signed with; can be set later with
 * setPublicKey), subject (the sub every JWT must carry).
 */
export async function startPushService({ publicKey, subject } = {}) {
  const subs = new Map(); // id -> subscription state
  const paths = new Map(); // request path (with query) -> id
  const received = []; // every request that passed the checks
  const violations = []; // every request that did not
  const held = new Set(); // responses of "never" steps
  const waiters = new Set();
  const expect = { publicKey, subject };

  const notify = () => {
    for (const w of waiters) {
      w();
    }
  };

  const server = createServer((req, res) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= MAX_BODY + 1024) {
        chunks.push(c);
      }
    });
    req.on('end', () => handle(req, res, Buffer.concat(chunks), size));
  });
  server.keepAliveTimeout = 30_000;

  function handle(req, res, body, size) {
    const at = Date.now();
    const id = paths.get(req.url);
    const sub = id && subs.get(id);
    const base = { at, method: req.method, url: req.url, id };
    const reject = (status, msg) => {
      violations.push({ ...base, status, error: msg });
      notify();
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(msg);
    };
    if (req.method !== 'POST') {
      return reject(405, `method ${req.method}`);
    }
    if (!sub) {
      // an unknown endpoint is a test's or the server's mistake, never a 404 by script
      return reject(400, `no subscription at ${req.url}`);
    }
    let headers;
    let payload;
    let claims;
    try {
      ({ claims } = verifyVapid(req.headers.authorization, origin, {
        publicKey: expect.publicKey,
        subject: expect.subject,
        nowS: at / 1000,
      }));
      headers = checkHeaders(req.headers);
      if (size !== body.length) {
        throw Object.assign(new Error(`body is ${size} bytes, more than ${MAX_BODY}`), { status: 413 });
      }
      payload = decryptBody(body, sub.ecdh, sub.auth);
    } catch (err) {
      return reject(err.status ?? 400, err.message);
    }
    let json;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      json = undefined;
    }
    const step = sub.script[Math.min(sub.calls, sub.script.length - 1)];
    sub.calls++;
    const record = {
      ...base,
      ...headers,
      claims,
      bodyBytes: body.length,
      payload,
      text: payload.toString('utf8'),
      json,
      answer: step.never ? 'never' : step.status,
      retryAfter: step.retryAfter,
    };
    received.push(record);
    notify();
    if (step.never) {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    const h = {};
    if (step.retryAfter !== undefined) {
      h['Retry-After'] = String(step.retryAfter);
    }
    if (step.status === 201) {
      h.Location = `${origin}/message/${randomBytes(6).toString('hex')}`;
    }
    if (step.delayMs) {
      const timer = setTimeout(() => res.writeHead(step.status, h).end(), step.delayMs);
      held.add(res);
      res.on('close', () => {
        clearTimeout(timer);
        held.delete(res);
      });
      return;
    }
    res.writeHead(step.status, h).end();
  }

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const origin = `http://127.0.0.1:${port}`;

  return {
    /** origin is the service's scheme://host:port, a JWT's expected aud. */
    origin,
    /** host is host:port, for PEERBASE_PUSH_ALLOW_HOSTS. */
    host: `127.0.0.1:${port}`,
    received,
    violations,

    /** setPublicKey sets the VAPID key every later JWT must be signed with. */
    setPublicKey(key) {
      expect.publicKey = key;
    },

    /**
     * subscribe makes a new endpoint with fresh receiver keys and its answer
     * script (default: 201 always). It returns {id, endpoint, keys: {p256dh,
     * auth}}, the shape of a browser's PushSubscription.toJSON(). The
     * endpoint's path is /push/<id> unless path(id) gives another (with a
     * query if wanted, as UnifiedPush distributors do).
     */
    subscribe(script = [201], { path = (id) => `/push/${id}` } = {}) {
      const id = randomBytes(9).toString('base64url');
      const p = path(id);
      assert.ok(p.startsWith('/') && !paths.has(p), `bad or taken path ${p}`);
      paths.set(p, id);
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const auth = randomBytes(16);
      const steps = (Array.isArray(script) ? script : [script]).map(normaliseStep);
      assert.ok(steps.length > 0, 'empty script');
      subs.set(id, { ecdh, auth, script: steps, calls: 0 });
      return {
        id,
        endpoint: `${origin}${p}`,
        keys: { p256dh: b64url(ecdh.getPublicKey(null, 'uncompressed')), auth: b64url(auth) },
      };
    },

    /** setScript replaces an endpoint's answers from its next request on. */
    setScript(id, script) {
      const sub = subs.get(id);
      assert.ok(sub, `no subscription ${id}`);
      sub.script = (Array.isArray(script) ? script : [script]).map(normaliseStep);
      sub.calls = 0;
    },

    /** requestsTo returns the checked requests an endpoint received, in order. */
    requestsTo(id) {
      return received.filter((r) => r.id === id);
    },

    /**
     * waitFor resolves with check()'s first truthy value, tested after each
     * request, or fails after timeoutMs with what (and the violations).
     */
    waitFor(check, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        let timer;
        const test = () => {
          let v;
          try {
            v = check();
          } catch (err) {
            waiters.delete(test);
            clearTimeout(timer);
            reject(err);
            return;
          }
          if (v) {
            waiters.delete(test);
            clearTimeout(timer);
            resolve(v);
          }
        };
        timer = setTimeout(() => {
          waiters.delete(test);
          reject(
            new Error(
              `push service: timed out after ${timeoutMs} ms waiting for ${what}` +
                ` (${received.length} received, violations: ${JSON.stringify(violations.slice(-3))})`,
            ),
          );
        }, timeoutMs);
        waiters.add(test);
        test();
      });
    },

    /** assertNoViolations fails with the requests that failed a check. */
    assertNoViolations() {
      assert.deepEqual(violations, [], 'requests the push service refused');
    },

    /** close answers nothing more: held requests are cut, the port released. */
    async close() {
      for (const res of held) {
        res.destroy();
      }
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
