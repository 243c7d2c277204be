// Unknown API paths are JSON 404s in PocketBase's error format, whatever the
// method, from the real binary; the embedded web app still serves its
// index.html for every other unknown path (its own routes, on a reload).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startServer } from '../lib/server.js';

describe('unknown API paths', () => {
  let server;

  before(async () => {
    server = await startServer();
  });

  after(async () => {
    await server?.stop();
  });

  for (const [method, path] of [
    ['GET', '/api/peerbase/anything'],
    ['GET', '/api/peerbase/me/nothing?x=1'],
    ['GET', '/api/nothing'],
    ['HEAD', '/api/peerbase/anything'],
    ['POST', '/api/peerbase/anything'],
    ['PATCH', '/api/peerbase/anything'],
    ['DELETE', '/api/peerbase/anything'],
  ]) {
    test(`${method} ${path} is a JSON 404`, async () => {
      const res = await fetch(server.url + path, { method });
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      if (method !== 'HEAD') {
        const body = await res.json();
        assert.deepEqual(body, { data: {}, message: "The requested resource wasn't found.", status: 404 });
      }
    });
  }

  test('a known API route still answers', async () => {
    const res = await fetch(`${server.url}/api/health`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).code, 200);
  });

  test('the web app serves index.html at / and for its own routes', async () => {
    const root = await fetch(`${server.url}/`);
    assert.equal(root.status, 200);
    const index = await root.text();
    assert.match(root.headers.get('content-type') ?? '', /text\/html/);
    for (const path of ['/offers/abc123', '/apiary']) {
      const res = await fetch(server.url + path);
      assert.equal(res.status, 200, path);
      assert.equal(await res.text(), index, path);
    }
  });
});
