// The main flow of the app, through the official SDK against the real binary:
// two people sign up, one offers something, the other finds it near a point,
// opens a thread and writes; the owner gets the message in realtime and a
// stranger, subscribed to the same collections, gets nothing and can't read it.
//
// Rate limits stay as shipped: this server sees 3 sign-ups (of 5 a minute)
// and 3 sign-ins (of 10 a minute) from 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, count, rejects, signUp, sleep, waitFor } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const DELIVERY_TIMEOUT_MS = 5_000; // the recipient must have the message by then
const SILENCE_MS = 1_500; // how long after that the stranger must still have nothing

describe('offer, thread and realtime message', () => {
  let server;
  let admin;
  let alice; // offers a drill: the thread's owner
  let bob; // opens the thread: its peer
  let carol; // a stranger to the thread
  let offer;
  let thread;
  const events = { alice: [], bob: [], carol: [], aliceThreads: [], carolThreads: [] };
  const unsubscribers = [];

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    carol = await signUp(server.url, 'Carol');

    // everyone listens to every message (and two of them to threads) from the
    // start: the API rules alone decide who hears what
    for (const [name, who] of [['alice', alice], ['bob', bob], ['carol', carol]]) {
      unsubscribers.push(await who.pb.collection('messages').subscribe('*', (e) => events[name].push(e)));
    }
    unsubscribers.push(await alice.pb.collection('threads').subscribe('*', (e) => events.aliceThreads.push(e)));
    unsubscribers.push(await carol.pb.collection('threads').subscribe('*', (e) => events.carolThreads.push(e)));
  });

  after(async () => {
    for (const unsubscribe of unsubscribers) {
      await unsubscribe().catch(() => {});
    }
    for (const who of [alice, bob, carol]) {
      who?.pb.realtime.unsubscribe().catch(() => {});
    }
    await server?.stop();
  });

  test('the signed-up users are signed in as themselves', () => {
    for (const who of [alice, bob, carol]) {
      assert.ok(who.pb.authStore.isValid, `${who.email} has no valid token`);
      assert.equal(who.pb.authStore.record.id, who.user.id);
      assert.equal(who.user.email, who.email);
    }
    assert.notEqual(alice.user.id, bob.user.id);
  });

  test('alice creates an active offer with a location', async () => {
    offer = await alice.pb.collection('offers').create({
      owner: alice.user.id,
      title: 'Cordless drill',
      kind: 'lend',
      status: 'active',
      description: 'Bosch, two batteries',
      location: { lon: 2.3522, lat: 48.8566 }, // Paris, Hôtel de Ville
    });
    assert.equal(offer.owner, alice.user.id);
    assert.equal(offer.kind, 'lend');
    assert.equal(offer.status, 'active');
    assert.deepEqual(offer.location, { lon: 2.3522, lat: 48.8566 });
    assert.equal(await count(admin, 'offers', `id = "${offer.id}"`), 1);
  });

  test('bob finds the offer near a point with geoDistance', async () => {
    const near = (lon, lat, km) =>
      bob.pb.collection('offers').getFullList({
        filter: bob.pb.filter('geoDistance(location.lon, location.lat, {:lon}, {:lat}) < {:km}', { lon, lat, km }),
      });
    // Notre-Dame is about 0.6 km from the offer
    const found = await near(2.3499, 48.853, 2);
    assert.deepEqual(found.map((o) => o.id), [offer.id]);
    // Versailles is about 17 km away
    assert.deepEqual(await near(2.1204, 48.8049, 5), []);
  });

  test('bob opens a thread on the offer; its owner comes from the offer', async () => {
    thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });
    assert.equal(thread.offer, offer.id);
    assert.equal(thread.peer, bob.user.id);
    assert.equal(thread.owner, alice.user.id, 'the hook must set owner from the offer');
    assert.equal(thread.owner_unread ?? 0, 0);
    assert.equal(thread.peer_unread ?? 0, 0);
    assert.equal(thread.last_message ?? '', '');

    const seenByAlice = await alice.pb.collection('threads').getOne(thread.id);
    assert.equal(seenByAlice.peer, bob.user.id);
  });

  test('bob writes; alice gets it in realtime, carol gets nothing', async () => {
    const body = 'Hi Alice, is the drill free on Saturday?';
    const msg = await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body });
    assert.equal(msg.body, body);
    assert.equal(msg.author, bob.user.id);

    const got = await waitFor(
      () => events.alice.find((e) => e.record?.id === msg.id),
      DELIVERY_TIMEOUT_MS,
      'alice to receive the message over realtime',
    );
    assert.equal(got.action, 'create');
    assert.equal(got.record.body, body);
    assert.equal(got.record.thread, thread.id);
    assert.equal(got.record.author, bob.user.id);

    await sleep(SILENCE_MS);
    assert.deepEqual(events.carol, [], 'a stranger must not receive messages of a thread');
    assert.deepEqual(events.carolThreads, [], 'a stranger must not receive thread updates');
  });

  test('the hooks updated the thread: preview and the owner\'s unread count', async () => {
    const t = await alice.pb.collection('threads').getOne(thread.id);
    assert.equal(t.last_message, 'Hi Alice, is the drill free on Saturday?');
    assert.ok(t.last_message_at, 'last_message_at must be set');
    assert.equal(t.owner_unread, 1, 'the recipient (owner) has one unread message');
    assert.equal(t.peer_unread, 0, 'the author (peer) has nothing unread');

    // the thread's update reached its owner in realtime too
    const update = await waitFor(
      () => events.aliceThreads.find((e) => e.action === 'update' && e.record?.id === thread.id && e.record.owner_unread === 1),
      DELIVERY_TIMEOUT_MS,
      'alice to receive the thread update over realtime',
    );
    assert.equal(update.record.last_message, t.last_message);
  });

  test('alice replies; bob gets it, carol still nothing, counters swap', async () => {
    const body = 'Yes, come by at ten.';
    const msg = await alice.pb.collection('messages').create({ thread: thread.id, author: alice.user.id, body });

    const got = await waitFor(
      () => events.bob.find((e) => e.record?.id === msg.id),
      DELIVERY_TIMEOUT_MS,
      'bob to receive the reply over realtime',
    );
    assert.equal(got.action, 'create');
    assert.equal(got.record.body, body);

    const t = await bob.pb.collection('threads').getOne(thread.id);
    assert.equal(t.last_message, body);
    assert.equal(t.peer_unread, 1, 'the recipient (peer) has one unread message');
    assert.equal(t.owner_unread, 0, 'writing in a thread reads it');

    await sleep(SILENCE_MS);
    assert.deepEqual(events.carol, [], 'a stranger must not receive messages of a thread');
    assert.deepEqual(events.carolThreads, [], 'a stranger must not receive thread updates');
  });

  test('carol can neither list nor view the thread or its messages', async () => {
    const threads = await carol.pb.collection('threads').getList(1, 50);
    assert.equal(threads.totalItems, 0);
    assert.deepEqual(threads.items, []);
    await rejects(carol.pb.collection('threads').getOne(thread.id), 404, 'carol views the thread');

    const messages = await carol.pb.collection('messages').getList(1, 50, { filter: `thread = "${thread.id}"` });
    assert.equal(messages.totalItems, 0);
    const [first] = await bob.pb.collection('messages').getFullList({ filter: `thread = "${thread.id}"`, sort: 'created' });
    assert.ok(first, 'bob lists the messages of his thread');
    await rejects(carol.pb.collection('messages').getOne(first.id), 404, 'carol views a message');

    // expand doesn't leak the thread either: its participants get it, carol doesn't
    const expand = { expand: 'threads_via_offer' };
    const offerSeenByBob = await bob.pb.collection('offers').getOne(offer.id, expand);
    assert.deepEqual(offerSeenByBob.expand?.threads_via_offer?.map((t) => t.id), [thread.id]);
    const offerSeenByCarol = await carol.pb.collection('offers').getOne(offer.id, expand);
    assert.equal(offerSeenByCarol.expand?.threads_via_offer, undefined);
  });

  test('carol can\'t write in the thread, and nobody hears about the attempt', async () => {
    const before = await count(admin, 'messages', `thread = "${thread.id}"`);
    assert.equal(before, 2);
    await rejects(
      carol.pb.collection('messages').create({ thread: thread.id, author: carol.user.id, body: 'let me in' }),
      400,
      'a stranger writes in the thread',
    );
    await rejects(
      carol.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body: 'I am Bob' }),
      400,
      'a stranger writes as a participant',
    );
    assert.equal(await count(admin, 'messages', `thread = "${thread.id}"`), before);

    await sleep(300);
    assert.equal(events.alice.filter((e) => e.action === 'create').length, 2);
    assert.deepEqual(events.carol, []);
  });
});
