// One side can't finish an exchange alone, in the real binary with the JS SDK:
// the requester says the thing was handed over, completion needs both sides,
// a completed exchange can be disputed for --dispute-window (started at 3s
// here) and never after, and an offer with history is closed, not deleted.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { fieldError, rejects, signUp, sleep } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('exchanges need both sides', () => {
  let server;
  let alice; // owner
  let bob; // requester

  before(async () => {
    server = await startServer({ args: ['--dispute-window', '3s'] });
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
  });

  after(async () => {
    await server?.stop();
  });

  const move = (who, x, state) => who.pb.collection('exchanges').update(x.id, { state });

  // completed runs an exchange of a new sell offer to completion, both sides
  // confirming, and returns the offer and the exchange
  async function completed(title) {
    const offer = await alice.pb.collection('offers').create({
      owner: alice.user.id, title, kind: 'sell', status: 'active', price: 20, currency: 'EUR',
    });
    const x = await bob.pb.collection('exchanges').create({ offer: offer.id, requester: bob.user.id });
    await move(alice, x, 'accepted');
    const refused = await rejects(move(alice, x, 'handed_over'), 400, 'owner says it was handed over');
    assert.equal(fieldError(refused, 'state', 'owner hand-over').code, 'validation_invalid_move');
    assert.equal((await move(bob, x, 'handed_over')).state, 'handed_over');

    const confirmed = await move(bob, x, 'completed');
    assert.equal(confirmed.state, 'handed_over', 'one side alone only confirms');
    assert.notEqual(confirmed.requester_confirmed_at, '');
    assert.equal(confirmed.owner_confirmed_at, '');
    const done = await move(alice, x, 'completed');
    assert.equal(done.state, 'completed');
    return { offer, x: done };
  }

  test('both sides complete; a dispute within the window is accepted', async () => {
    const { x } = await completed('Bike');
    const disputed = await move(bob, x, 'disputed');
    assert.equal(disputed.state, 'disputed');
  });

  test('--dispute-window 3s: no dispute 3.5 s after completion', async () => {
    const { x } = await completed('Lamp');
    await sleep(3500);
    const err = await rejects(move(alice, x, 'disputed'), 400, 'dispute after the window');
    assert.equal(fieldError(err, 'state', 'late dispute').code, 'validation_dispute_window_closed');
    assert.equal((await bob.pb.collection('exchanges').getOne(x.id)).state, 'completed');
  });

  test('an offer with history is closed, not deleted', async () => {
    const { offer, x } = await completed('Chair');
    const err = await rejects(alice.pb.collection('offers').delete(offer.id), 400, 'delete an offer with history');
    assert.equal(fieldError(err, 'status', 'delete with history').code, 'validation_offer_has_history');
    const closed = await alice.pb.collection('offers').update(offer.id, { status: 'closed' });
    assert.equal(closed.status, 'closed');
    assert.equal((await bob.pb.collection('exchanges').getOne(x.id)).offer, offer.id);
  });
});
