// Account deletion and export through the real binary and the official SDK:
// Alice downloads her data, deletes her account, and Bob keeps their
// conversation and exchange, with her side shown as a deleted user.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, PASSWORD, rejects, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('account deletion keeps the other side\'s history', () => {
  let server;
  let alice;
  let bob;
  let offer;
  let thread;
  let exchange;

  before(async () => {
    server = await startServer();
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    offer = await alice.pb.collection('offers').create({
      owner: alice.user.id, title: 'Bike repairs', kind: 'service', status: 'active',
    });
    thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });
    await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body: 'Can you fix my bike?' });
    await alice.pb.collection('messages').create({ thread: thread.id, author: alice.user.id, body: 'Yes, at 3 rue Alice' });
    exchange = await bob.pb.collection('exchanges').create({ offer: offer.id, requester: bob.user.id, thread: thread.id });
    await alice.pb.collection('wants').create({ owner: alice.user.id, query: 'vintage radio', active: true });
  });

  after(async () => {
    await server?.stop();
  });

  test('anonymous gets no export', async () => {
    const res = await fetch(`${server.url}/api/peerbase/me/export`);
    assert.equal(res.status, 401);
  });

  test('Alice downloads her data as a file', async () => {
    const res = await fetch(`${server.url}/api/peerbase/me/export`, {
      headers: { Authorization: alice.pb.authStore.token },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="peerbase-export-/);
    const doc = await res.json();
    assert.equal(doc.profile.email, alice.email);
    assert.equal(doc.offers.length, 1);
    assert.equal(doc.wants[0].query, 'vintage radio');
    // the two people's messages, then the system message of Bob's request
    assert.deepEqual(doc.threads[0].messages.map((m) => m.kind), ['user', 'user', 'system']);
    assert.deepEqual(doc.people, [{ id: bob.user.id, name: 'Bob' }]);
    assert.ok(!JSON.stringify(doc).includes(bob.email), 'Bob\'s email is not in Alice\'s export');
  });

  test('Bob can\'t delete Alice; Alice deletes herself', async () => {
    await rejects(bob.pb.collection('users').delete(alice.user.id), 404, 'Bob deleting Alice');
    await alice.pb.collection('users').delete(alice.user.id);
  });

  test('Bob keeps the thread, the messages and the exchange; hers shows as deleted', async () => {
    const threads = await bob.pb.collection('threads').getFullList({ expand: 'owner' });
    assert.equal(threads.length, 1);
    assert.equal(threads[0].id, thread.id);
    assert.equal(threads[0].expand.owner.name, 'Deleted user');
    assert.equal(threads[0].expand.owner.deleted, true);
    // her deletion declined Bob's request, and the thread says so last
    assert.equal(threads[0].last_message, 'Exchange declined');

    const messages = await bob.pb.collection('messages').getFullList({ filter: `thread = "${thread.id}"`, sort: 'created' });
    assert.deepEqual(messages.map((m) => [m.body, m.deleted, m.kind]),
      [['Can you fix my bike?', false, 'user'], ['', true, 'user'], ['', false, 'system'], ['', false, 'system']]);
    assert.deepEqual(messages[2].event, { exchange: exchange.id, from: '', to: 'requested', by: bob.user.id });
    assert.deepEqual(messages[3].event, { exchange: exchange.id, from: 'requested', to: 'declined', by: threads[0].owner });

    const kept = await bob.pb.collection('exchanges').getOne(exchange.id);
    assert.equal(kept.owner, threads[0].owner);
    const closed = await bob.pb.collection('offers').getOne(offer.id);
    assert.equal(closed.status, 'closed');

    const people = await bob.pb.collection('users').getFullList();
    assert.ok(!people.some((u) => u.deleted || u.id === alice.user.id), 'no placeholder and no Alice in the users list');
  });

  test('Alice can no longer sign in, and her data is gone', async () => {
    await rejects(alice.pb.collection('users').authRefresh(), 401, 'refreshing Alice\'s token');
    await rejects(alice.pb.collection('users').authWithPassword(alice.email, PASSWORD), 400, 'Alice signing in');
    const admin = await adminClient(server);
    const wants = await admin.collection('wants').getFullList({ filter: `query = "vintage radio"` });
    assert.equal(wants.length, 0);
  });
});
