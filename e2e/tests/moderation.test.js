// A report that reaches the threshold hides an offer, through the official SDK
// against the real binary, seen from the reporter, the owner and a stranger.
// The server runs with --report-threshold 1, so one report is enough.
//
// Rate limits stay as shipped: this server sees 3 sign-ups and 3 sign-ins.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ClientResponseError, rejects, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('a report that reaches the threshold', () => {
  let server;
  let owner;
  let reporter;
  let stranger;
  let offer;

  before(async () => {
    server = await startServer({ args: ['--report-threshold', '1'] });
    owner = await signUp(server.url, 'Olga');
    reporter = await signUp(server.url, 'Rita');
    stranger = await signUp(server.url, 'Sam');
    offer = await owner.pb.collection('offers').create({
      owner: owner.user.id, title: 'Suspicious phone', kind: 'sell', status: 'active', price: 20, currency: 'EUR',
    });
  });

  after(async () => {
    await server?.stop();
  });

  test('everyone sees the offer before the report', async () => {
    for (const who of [reporter, stranger]) {
      const seen = await who.pb.collection('offers').getOne(offer.id);
      assert.equal(seen.status, 'active');
    }
  });

  test('the report hides it from the reporter and a stranger, not from its owner', async () => {
    const report = await reporter.pb.collection('reports').create({
      reporter: reporter.user.id, target_collection: 'offers', target_id: offer.id, reason: 'scam', note: 'asks for a deposit',
    });
    assert.equal(report.status, 'open');

    for (const [name, who] of [['reporter', reporter], ['stranger', stranger]]) {
      await rejects(who.pb.collection('offers').getOne(offer.id), 404, `${name} views the hidden offer`);
      const list = await who.pb.collection('offers').getFullList({ filter: `owner = "${owner.user.id}"` });
      assert.equal(list.length, 0, `${name} still lists the hidden offer`);
    }

    // the reporter still sees their own report, with the snapshot of what they reported
    const mine = await reporter.pb.collection('reports').getFullList();
    assert.equal(mine.length, 1);
    assert.equal(mine[0].snapshot.title, 'Suspicious phone');
    // and can't report it again while it is open (they can't even see it now)
    await rejects(reporter.pb.collection('reports').create({
      reporter: reporter.user.id, target_collection: 'offers', target_id: offer.id, reason: 'spam',
    }), 400, 'a second report');

    // the owner sees it hidden, is told why, and can't undo it
    const own = await owner.pb.collection('offers').getOne(offer.id);
    assert.equal(own.status, 'hidden');
    const notes = await owner.pb.collection('notifications').getFullList({ filter: 'type = "moderation"' });
    assert.equal(notes.length, 1, 'the owner is told');
    assert.match(notes[0].title, /hidden/i);
    let undone = true;
    try {
      await owner.pb.collection('offers').update(offer.id, { status: 'active' });
    } catch (err) {
      if (!(err instanceof ClientResponseError)) throw err;
      assert.ok(err.status >= 400 && err.status < 500, `unexpected ${err.status}`);
      undone = false;
    }
    assert.equal(undone, false, 'the owner un-hid the offer');
    assert.equal((await owner.pb.collection('offers').getOne(offer.id)).status, 'hidden');
    // nobody but the owner learns about it from the stranger's side
    await rejects(stranger.pb.collection('offers').getOne(offer.id), 404, 'the stranger after the owner tried');
  });
});
