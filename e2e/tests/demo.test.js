// The README's run command: `serve --demo` fills an empty data dir with a
// living app that a newcomer can sign in to and browse.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { client } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('serve --demo', () => {
  let server;

  before(async () => {
    server = await startServer({ args: ['--demo'] });
  });

  after(async () => {
    await server?.stop();
  });

  test('a newcomer browses offers of every kind with photos, and signs in to threads with messages', async () => {
    const log = readFileSync(server.logFile, 'utf8');
    assert.match(log, /Demo data: \d+ people, \d+ offers/, 'the demo sign-in is printed');

    const guest = client(server.url);
    const offers = await guest.collection('offers').getFullList({ expand: 'owner,category' });
    const kinds = new Set(offers.map((o) => o.kind));
    for (const kind of ['lend', 'rent', 'sell', 'give', 'swap', 'service', 'experience']) {
      assert.ok(kinds.has(kind), `an offer of kind ${kind}`);
    }
    const withPhoto = offers.find((o) => o.photos.length > 0);
    assert.ok(withPhoto, 'offers have photos');
    assert.ok(withPhoto.photo_meta[withPhoto.photos[0]]?.blurhash, 'photos have placeholders');
    const thumb = await fetch(guest.files.getURL(withPhoto, withPhoto.photos[0], { thumb: '480x0' }));
    assert.equal(thumb.status, 200);
    assert.ok(withPhoto.expand?.owner?.name, 'the owner expands with a name');

    const ana = client(server.url);
    await ana.collection('users').authWithPassword('ana@demo.peerbase.local', 'demo-password-123');
    const threads = await ana.collection('threads').getFullList();
    assert.ok(threads.length > 0, 'ana has threads');
    const messages = await ana.collection('messages').getFullList({ filter: ana.filter('thread = {:t}', { t: threads[0].id }) });
    assert.ok(messages.length >= 2, 'with messages');
  });
});
