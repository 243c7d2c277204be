// A digital exchange and the credit ledger, in the real binary (started with
// --ledger) with the JS SDK: an offer with a protected file, a request with
// a credit price, acceptance, the download (counted on the exchange and
// listed on it), a stranger refused with a file token of their own, and the
// price moving once on completion.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, fieldError, rejects, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('digital exchanges and the ledger', () => {
  let server;
  let admin;
  let alice; // owner of the digital offer
  let bob; // requester
  let eve; // stranger

  before(async () => {
    server = await startServer({ args: ['--ledger'] });
    admin = await adminClient(server);
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    eve = await signUp(server.url, 'Eve');
  });

  after(async () => {
    await server?.stop();
  });

  test('offer to accepted exchange to download; a stranger is refused', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ owner: alice.user.id, title: 'Knitting pattern', kind: 'sell', status: 'active', price_unit: 'item' })) {
      form.append(k, v);
    }
    form.append('files', new Blob(['%PDF-1.4 knitting'], { type: 'application/pdf' }), 'pattern.pdf');
    const offer = await alice.pb.collection('offers').create(form);
    const name = offer.files[0];

    const grant = await admin.send('/api/peerbase/ledger/grant', { method: 'POST', body: { to: bob.user.id, amount: 10, note: 'welcome' } });
    assert.equal(grant.balance, 10);
    const x = await bob.pb.collection('exchanges').create({ offer: offer.id, requester: bob.user.id, credit_price: 4 });

    const early = await fetch(bob.pb.files.getURL(offer, name, { token: await bob.pb.files.getToken() }));
    assert.equal(early.status, 403, 'no download before acceptance');
    await alice.pb.collection('exchanges').update(x.id, { state: 'accepted' });
    // the price is held from the acceptance: the completion can't fail for lack of credit
    const held = await bob.pb.send('/api/peerbase/ledger/balance', {});
    assert.deepEqual([held.balance, held.held], [6, 4]);

    const listed = await bob.pb.send(`/api/peerbase/exchanges/${x.id}/files`, {});
    assert.deepEqual(listed.items.map((i) => i.name), [name]);
    const got = await fetch(server.url + listed.items[0].url + '?token=' + listed.token);
    assert.equal(got.status, 200);
    assert.equal(await got.text(), '%PDF-1.4 knitting');
    assert.equal((await alice.pb.collection('exchanges').getOne(x.id)).downloads, 1, 'the owner sees the download');

    const stolen = await fetch(eve.pb.files.getURL(offer, name, { token: await eve.pb.files.getToken() }));
    assert.equal(stolen.status, 403, "a stranger's own file token");
    await rejects(eve.pb.send(`/api/peerbase/exchanges/${x.id}/files`, {}), 404, "a stranger lists the exchange's files");

    // the price moves on completion, once
    await bob.pb.collection('exchanges').update(x.id, { state: 'handed_over' });
    await bob.pb.collection('exchanges').update(x.id, { state: 'completed' });
    const done = await alice.pb.collection('exchanges').update(x.id, { state: 'completed' });
    assert.equal(done.state, 'completed');
    assert.equal((await bob.pb.send('/api/peerbase/ledger/balance', {})).balance, 6);
    assert.equal((await alice.pb.send('/api/peerbase/ledger/balance', {})).balance, 4);
    assert.equal((await alice.pb.collection('users').getOne(alice.user.id)).balance, 4, 'on her own profile');
    assert.equal((await bob.pb.collection('users').getOne(alice.user.id)).balance, undefined, "not on someone else's");
    assert.equal((await eve.pb.collection('ledger_entries').getList(1, 10)).totalItems, 0);
    // the grant, the hold and its release, both sides of the payment
    assert.equal((await bob.pb.collection('ledger_entries').getList(1, 10)).totalItems, 5);
    assert.equal((await bob.pb.send('/api/peerbase/ledger/balance', {})).held, 0);

    const over = await rejects(bob.pb.send('/api/peerbase/ledger/transfer', { method: 'POST', body: { to: eve.user.id, amount: 7 } }), 400, 'overdraw');
    assert.equal(fieldError(over, 'amount', 'overdraw').code, 'validation_insufficient_balance');
  });
});
