// Bad input through the SDK: each request differs from one that succeeds by a
// single field, must answer 400 with a field-level error for that field in
// response.data, and must leave the database as it was.
//
// Rate limits stay as shipped: 3 sign-ups and 2 sign-ins on this server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { adminClient, client, count, fieldError, PASSWORD, rejects, signUp, uniqueEmail } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('bad input is refused field by field', () => {
  let server;
  let admin;
  let alice;
  let bob;
  let carol; // signed up, never signed in: only her id is used
  let aliceOffer;
  let thread;

  const goodOffer = () => ({
    owner: alice.user.id,
    title: 'Camping tent for four',
    kind: 'rent',
    status: 'active',
    price: 12,
    currency: 'EUR',
    price_unit: 'day',
    location: { lon: 4.8357, lat: 45.764 },
  });

  // counts as the superuser, who sees every record (drafts and hidden ones too)
  const totals = async () => ({
    offers: await count(admin, 'offers'),
    threads: await count(admin, 'threads'),
    messages: await count(admin, 'messages'),
  });

  /** refused sends a bad create and checks the 400, the field error and the unchanged DB. */
  async function refused(what, send, field) {
    const before = await totals();
    const err = await rejects(send(), 400, what);
    const item = field ? fieldError(err, field, what) : null;
    assert.deepEqual(await totals(), before, `${what}: the database changed`);
    return item;
  }

  before(async () => {
    server = await startServer();
    admin = await adminClient(server);
    alice = await signUp(server.url, 'Alice');
    bob = await signUp(server.url, 'Bob');
    carol = await client(server.url).collection('users').create({
      email: uniqueEmail('carol'),
      password: PASSWORD,
      passwordConfirm: PASSWORD,
      name: 'Carol',
    });
  });

  after(async () => {
    await server?.stop();
  });

  test('the good offer is accepted (so each refusal below is about one field)', async () => {
    const before = await totals();
    aliceOffer = await alice.pb.collection('offers').create(goodOffer());
    assert.equal(aliceOffer.owner, alice.user.id);
    assert.equal((await totals()).offers, before.offers + 1);
  });

  test('an offer owned by someone else', async () => {
    await refused(
      'alice creates an offer owned by bob',
      () => alice.pb.collection('offers').create({ ...goodOffer(), owner: bob.user.id }),
      'owner',
    );
  });

  test('an unknown offer kind', async () => {
    await refused(
      'alice creates an offer of kind "auction"',
      () => alice.pb.collection('offers').create({ ...goodOffer(), kind: 'auction' }),
      'kind',
    );
  });

  test('a missing required field', async () => {
    const { title, ...withoutTitle } = goodOffer();
    assert.ok(title);
    const item = await refused(
      'alice creates an offer without a title',
      () => alice.pb.collection('offers').create(withoutTitle),
      'title',
    );
    assert.equal(item.code, 'validation_required');
  });

  test('a title shorter than 3 characters', async () => {
    await refused(
      'alice creates an offer titled "ab"',
      () => alice.pb.collection('offers').create({ ...goodOffer(), title: 'ab' }),
      'title',
    );
  });

  test('a client may not create a hidden offer', async () => {
    await refused(
      'alice creates a hidden offer',
      () => alice.pb.collection('offers').create({ ...goodOffer(), status: 'hidden' }),
      'status',
    );
  });

  test('a thread on one\'s own offer', async () => {
    await refused(
      'alice opens a thread on her own offer',
      () => alice.pb.collection('threads').create({ offer: aliceOffer.id, peer: alice.user.id }),
      'offer',
    );
  });

  test('a thread opened in someone else\'s name', async () => {
    await refused(
      'bob opens a thread on alice\'s offer as carol',
      () => bob.pb.collection('threads').create({ offer: aliceOffer.id, peer: carol.id }),
      'peer',
    );
  });

  test('the same thread, opened by bob himself, is accepted', async () => {
    const before = await totals();
    thread = await bob.pb.collection('threads').create({ offer: aliceOffer.id, peer: bob.user.id });
    assert.equal(thread.owner, alice.user.id);
    assert.equal((await totals()).threads, before.threads + 1);
  });

  test('a message written in someone else\'s name', async () => {
    await refused(
      'bob writes a message as alice',
      () => bob.pb.collection('messages').create({ thread: thread.id, author: alice.user.id, body: 'Deal!' }),
      'author',
    );
  });

  test('the same message, in bob\'s name and thread, is accepted', async () => {
    const before = await totals();
    const msg = await bob.pb.collection('messages').create({ thread: thread.id, author: bob.user.id, body: 'Deal?' });
    assert.equal(msg.author, bob.user.id);
    assert.equal((await totals()).messages, before.messages + 1);
  });
});
