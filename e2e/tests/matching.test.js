// Matching through the official SDK against the real binary: one person
// saves a want and listens to `matches`, another publishes an offer, and
// the match arrives in realtime with its explanation; a stranger listening
// to the same collection hears nothing. The want's owner also gets the
// offer from GET /api/peerbase/wants/{id}/offers.
//
// Rate limits stay as shipped: 3 sign-ups and 3 sign-ins from 127.0.0.1.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { signUp, sleep, waitFor } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const DELIVERY_TIMEOUT_MS = 5_000; // the want's owner must have the match by then
const SILENCE_MS = 1_500; // how long after that the stranger must still have nothing

describe('a saved want is told about a new offer in realtime', () => {
  let server;
  let ana; // saves a want
  let ben; // offers a drill
  let carol; // a stranger
  let want;
  let offer;
  const events = { ana: [], carol: [] };

  before(async () => {
    server = await startServer();
    ana = await signUp(server.url, 'Ana');
    ben = await signUp(server.url, 'Ben');
    carol = await signUp(server.url, 'Carol');
    await ana.pb.collection('matches').subscribe('*', (e) => events.ana.push(e));
    await carol.pb.collection('matches').subscribe('*', (e) => events.carol.push(e));
  });

  after(async () => {
    for (const who of [ana, ben, carol]) {
      who?.pb.realtime.unsubscribe().catch(() => {});
    }
    await server?.stop();
  });

  test('ana saves a want near Lyon', async () => {
    want = await ana.pb.collection('wants').create({
      owner: ana.user.id,
      query: 'perceuse sans fil',
      location: { lat: 45.76, lon: 4.84 },
      radius_km: 10,
      max_price: 20,
      currency: 'EUR',
      active: true,
      alert: 'instant',
    });
    assert.equal(want.currency, 'EUR');
  });

  test('ben publishes a matching offer: ana is told in realtime, carol is not', async () => {
    offer = await ben.pb.collection('offers').create({
      owner: ben.user.id,
      title: 'Perceuse Bosch sans fil',
      kind: 'rent',
      status: 'active',
      price: 8,
      currency: 'EUR',
      price_unit: 'day',
      location: { lat: 45.787, lon: 4.84 },
    });
    const event = await waitFor(
      () => events.ana.find((e) => e.action === 'create' && e.record.offer === offer.id),
      DELIVERY_TIMEOUT_MS,
      "ana's match",
    );
    assert.equal(event.record.kind, 'want');
    assert.equal(event.record.want, want.id);
    assert.equal(event.record.recipient, ana.user.id);
    assert.equal(event.record.explanation, '3 km away, words: perceuse, fil, under your 20 € limit');
    assert.ok(event.record.score > 0 && event.record.score <= 1, `score ${event.record.score}`);
    await sleep(SILENCE_MS);
    assert.deepEqual(events.carol, [], 'carol heard about a match that is not hers');
  });

  test("an edit that still matches does not tell ana again", async () => {
    await ben.pb.collection('offers').update(offer.id, { price: 7 });
    await sleep(SILENCE_MS);
    const creates = events.ana.filter((e) => e.action === 'create' && e.record.offer === offer.id);
    assert.equal(creates.length, 1);
    const list = await ana.pb.collection('matches').getFullList({ filter: `offer = "${offer.id}"` });
    assert.equal(list.length, 1);
  });

  test('ana gets the offer from her want, ranked and explained; carol gets a 404', async () => {
    const page = await ana.pb.send(`/api/peerbase/wants/${want.id}/offers`, {});
    assert.equal(page.next, '');
    assert.equal(page.items.length, 1);
    assert.equal(page.items[0].id, offer.id);
    assert.equal(page.items[0].collectionName, 'offers');
    assert.match(page.items[0].explanation, /^3 km away, words: perceuse, fil/);
    await assert.rejects(carol.pb.send(`/api/peerbase/wants/${want.id}/offers`, {}), (err) => err.status === 404);
  });
});
