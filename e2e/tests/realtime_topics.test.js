// Peerbase's own realtime topics through the official SDK against the real
// binary: peerbase/inbox reaches only the signed-in user's connections,
// peerbase/threads/{id} only the thread's participants, with the SDK's
// options (it stores the topic as `topic?options=...`) applied; a stranger
// subscribing to both gets nothing, and a participant who unsubscribes from
// the thread's topic (screen hidden) keeps only the inbox.
//
// Rate limits stay as shipped: this server sees 3 sign-ups and 3 sign-ins.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { signUp, sleep, waitFor } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const DELIVERY_TIMEOUT_MS = 5_000;
const SILENCE_MS = 1_500;

describe('realtime topics peerbase/inbox and peerbase/threads/{id}', () => {
  let server;
  let alice; // the offer's owner
  let bob; // opens the thread
  let carol; // a stranger
  let thread;
  const events = { aliceInbox: [], bobInbox: [], bobThread: [], carol: [] };
  let stopBobThread;

  before(async () => {
    server = await startServer();
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    carol = await signUp(server.url, 'Carol');
    const offer = await alice.pb.collection('offers').create({
      owner: alice.user.id, title: 'Camping tent', kind: 'lend', status: 'active',
    });
    thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });

    await alice.pb.realtime.subscribe('peerbase/inbox', (e) => events.aliceInbox.push(e));
    await bob.pb.realtime.subscribe('peerbase/inbox', (e) => events.bobInbox.push(e));
    stopBobThread = await bob.pb.realtime.subscribe(`peerbase/threads/${thread.id}`, (e) => events.bobThread.push(e),
      { expand: 'author' });
    await carol.pb.realtime.subscribe('peerbase/inbox', (e) => events.carol.push(e));
    await carol.pb.realtime.subscribe(`peerbase/threads/${thread.id}`, (e) => events.carol.push(e));
  });

  after(async () => {
    for (const who of [alice, bob, carol]) {
      await who?.pb.realtime.unsubscribe().catch(() => {});
    }
    await server?.stop();
  });

  const find = (list, collection, pred) => list.find((e) => e.collection === collection && pred(e.record));

  test('bob writes: both inboxes and bob\'s thread topic get it, carol nothing', async () => {
    const body = 'Hi Alice, is the tent free next weekend?';
    const msg = await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body });

    const got = await waitFor(() => find(events.aliceInbox, 'messages', (r) => r.id === msg.id),
      DELIVERY_TIMEOUT_MS, 'alice to get the message on her inbox');
    assert.equal(got.action, 'create');
    assert.equal(got.record.body, body);
    await waitFor(() => find(events.aliceInbox, 'threads', (r) => r.id === thread.id && r.last_message === body),
      DELIVERY_TIMEOUT_MS, 'alice to get the thread update (preview) on her inbox');
    await waitFor(() => find(events.bobInbox, 'messages', (r) => r.id === msg.id),
      DELIVERY_TIMEOUT_MS, 'bob to get his own message on his inbox');

    const onThread = await waitFor(() => find(events.bobThread, 'messages', (r) => r.id === msg.id),
      DELIVERY_TIMEOUT_MS, 'bob to get the message on the thread topic (subscribed with options)');
    assert.equal(onThread.record.expand?.author?.id, bob.user.id, 'the expand option applies on the thread topic');
    assert.equal(events.bobInbox.find((e) => e.record.id === msg.id).record.expand, undefined,
      'the inbox asked for no expand');

    await sleep(SILENCE_MS);
    assert.deepEqual(events.carol, [], 'carol must get nothing of a thread she is not in');
  });

  test('bob hides the thread: he keeps the inbox, the thread topic stops', async () => {
    await stopBobThread();
    const before = events.bobThread.length;
    const msg = await alice.pb.collection('messages').create({ thread: thread.id, author: alice.user.id, body: 'Yes!' });
    await waitFor(() => find(events.bobInbox, 'messages', (r) => r.id === msg.id),
      DELIVERY_TIMEOUT_MS, 'bob to get alice\'s reply on his inbox');
    await sleep(SILENCE_MS);
    assert.equal(events.bobThread.length, before, 'no more events on the unsubscribed thread topic');
    assert.deepEqual(events.carol, [], 'carol must still have nothing');
  });
});
