// Deploy options are flags, and they reach the hooks: a server started with
// --retract-window 1s lets an author retract a message for one second only.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { rejects, signUp, sleep } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('flags reach the hooks', () => {
  let server;
  let alice;
  let bob;
  let thread;

  before(async () => {
    server = await startServer({ args: ['--retract-window', '1s'] });
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    const offer = await alice.pb.collection('offers').create({
      owner: alice.user.id, title: 'Ladder', kind: 'lend', status: 'active',
    });
    thread = await bob.pb.collection('threads').create({ offer: offer.id, peer: bob.user.id });
  });

  after(async () => {
    await server?.stop();
  });

  const say = (body) => bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body });
  const retract = (msg) => bob.pb.send(`/api/peerbase/messages/${msg.id}/retract`, { method: 'POST' });

  test('--retract-window 1s: a fresh message is retracted, a 1.5 s old one is not', async () => {
    const fresh = await say('oops, wrong thread');
    const retracted = await retract(fresh);
    assert.equal(retracted.retracted, true);
    assert.equal(retracted.body, '');

    const old = await say('see you Saturday');
    await sleep(1500);
    const err = await rejects(retract(old), 400, 'retract after the window');
    assert.match(err.response.message, /within 1s/);
    const kept = await bob.pb.collection('messages').getOne(old.id);
    assert.equal(kept.body, 'see you Saturday');
  });
});
