// Catch-up sync through the official SDK against the real binary, as the
// README tells an app to do it: remember a cursor after loading everything,
// page with pb.send('/api/peerbase/sync', {query: {since}}) on reconnect.
//
// Rate limits stay as shipped: this server sees 3 sign-ups and 3 sign-ins
// from 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { fieldError, rejects, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

/** catchUp is the README's loop: every page until more is false. */
async function catchUp(pb, since, limit) {
  const items = [];
  let more = true;
  while (more) {
    const page = await pb.send('/api/peerbase/sync', { query: { since, limit } });
    items.push(...page.items);
    since = page.cursor;
    more = page.more;
  }
  return { items, cursor: since };
}

describe('catch-up sync', () => {
  let server;
  let alice; // offers a ladder: the thread's owner
  let bob; // writes to her while she is offline
  let carol; // a stranger

  before(async () => {
    server = await startServer();
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    carol = await signUp(server.url, 'Carol');
  });

  after(async () => {
    await server?.stop();
  });

  test('an app that was offline gets what it missed, once, and a stranger nothing', async () => {
    const offer = await alice.pb.collection('offers').create({
      owner: alice.user.id, title: 'Ladder', kind: 'lend', status: 'active',
    });
    // alice's app has loaded everything and goes offline
    const { cursor: aliceAt, items: none } = await alice.pb.send('/api/peerbase/sync', {});
    assert.deepEqual(none, []);
    const { cursor: carolAt } = await carol.pb.send('/api/peerbase/sync', {});

    const thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });
    const sent = [];
    for (const body of ['Hello!', 'Is it still free?', 'I could pick it up tonight.']) {
      sent.push(await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body }));
    }
    await bob.pb.send(`/api/peerbase/messages/${sent[2].id}/retract`, { method: 'POST' });

    const { items, cursor } = await catchUp(alice.pb, aliceAt, 2);
    const threads = items.filter((it) => it.collection === 'threads');
    assert.equal(threads.length, 1, 'the thread once, at its latest change');
    assert.equal(threads[0].record.owner, alice.user.id);
    assert.equal(threads[0].record.owner_unread, 3);
    const messages = items.filter((it) => it.collection === 'messages');
    assert.deepEqual(messages.map((it) => it.id), sent.map((m) => m.id), 'every message once, in order');
    assert.equal(messages[2].action, 'update', 'the retraction is an update');
    assert.equal(messages[2].record.retracted, true);
    assert.equal(messages[2].record.body, '');
    for (let i = 1; i < items.length; i++) {
      assert.ok(items[i].seq > items[i - 1].seq, 'items in commit order');
    }

    // caught up: nothing more from the new cursor
    const again = await alice.pb.send('/api/peerbase/sync', { query: { since: cursor } });
    assert.deepEqual(again.items, []);
    assert.equal(again.more, false);

    const stranger = await catchUp(carol.pb, carolAt, 50);
    assert.deepEqual(stranger.items, [], 'the stranger hears nothing of their thread');
  });

  test('a malformed cursor or limit is a 400 naming it; a foreign cursor a 410', async () => {
    let err = await rejects(alice.pb.send('/api/peerbase/sync', { query: { since: 'not-a-cursor' } }), 400, 'since');
    fieldError(err, 'since', 'a malformed cursor');
    const { cursor } = await alice.pb.send('/api/peerbase/sync', {});
    err = await rejects(alice.pb.send('/api/peerbase/sync', { query: { since: cursor, limit: 'ten' } }), 400, 'limit');
    fieldError(err, 'limit', 'a malformed limit');
    // the cursor of another server (apps never build one: this test must, to get one)
    const foreign = Buffer.from('pbs1:999999').toString('base64url');
    err = await rejects(alice.pb.send('/api/peerbase/sync', { query: { since: foreign } }), 410, 'foreign cursor');
    assert.equal(fieldError(err, 'since', 'a foreign cursor').code, 'validation_cursor_expired');
  });
});
