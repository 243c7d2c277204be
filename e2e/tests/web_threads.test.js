// The web app's threads, exchanges, reviews, report and block, in chromium
// against the real binary: two people in two browser contexts. Alice offers
// a drill to lend; Bob opens a conversation about it and writes; messages
// appear live on both sides, with the unread badge in Alice's nav; a photo
// goes through; they agree a loan through the UI (request with dates that
// respect Alice's availability → accept → received → returned → both
// confirm) and Bob reviews Alice; the report and block dialogs work from the
// keyboard; a dropped realtime connection is caught up through
// /api/peerbase/sync when it comes back, and when the page becomes visible
// again; axe-core finds no serious or critical violation on any of these
// screens, and each is saved as a screenshot at 360 px and desktop width.
//
// Rate limits stay as shipped: 2 sign-ups through the UI, no other sign-in.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, heading, launchBrowser, newPerson, screenshot } from '../lib/browser.js';
import { sleep } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const LIVE_MS = 10_000; // a message must show on the other side by then
const SILENCE_MS = 1_500; // how long a message must stay away while realtime is down

// a 2×2 PNG: small, but a real image for the photo pipeline
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

const DAY_MS = 86_400_000;
// an <input type=date> value `days` from today (the browser's and the
// server's zone are the machine's)
const dayFromNow = (days) => {
  const d = new Date(Date.now() + days * DAY_MS);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
};

// the SDK of the app in a page, signed in as that page's person
const sdk = (page, fn, arg) => page.evaluate(fn, arg);

// dropRealtime closes the page's realtime connection. With error: true the
// SDK sees an error and reconnects (a network change); without, the
// connection is just gone (a phone's radio asleep) until something else
// notices.
const dropRealtime = (page, error) =>
  page.evaluate((withError) => {
    for (const es of window.__eventSources.filter((e) => e.readyState !== 2)) {
      es.close();
      if (withError) es.onerror?.(new Event('error'));
    }
  }, error);

// keeps every EventSource the app opens, so that a test can drop one
const TRACK_EVENT_SOURCES = () => {
  const Native = window.EventSource;
  window.__eventSources = [];
  window.EventSource = class extends Native {
    constructor(...args) {
      super(...args);
      window.__eventSources.push(this);
    }
  };
};

describe('web: two people chat live, agree an exchange and review it', () => {
  let server;
  let browser;
  let alice; // owns the drill
  let bob; // borrows it
  let offer;
  let threadPath;
  let exchangePath;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    alice = await newPerson(browser, server, { name: 'Alice Martin' });
    bob = await newPerson(browser, server, { name: 'Bob Leroy' });
    for (const who of [alice, bob]) {
      await who.context.addInitScript(TRACK_EVENT_SOURCES);
    }
    offer = await sdk(alice.page, (owner) => window.peerbase.pb.collection('offers').create({
      owner, title: 'Cordless drill', kind: 'lend', status: 'active', description: 'Bosch, two batteries',
    }), alice.userId);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('Alice blocks the days she doesn\'t lend the drill, from her offer\'s page', async () => {
    const page = alice.page;
    await page.goto(`/offers/${offer.id}`);
    await heading(page, 'Cordless drill');
    await page.getByRole('button', { name: 'Availability' }).click();
    const dialog = page.getByRole('dialog', { name: 'Availability: Cordless drill' });
    await dialog.getByText('Every day is free').waitFor();
    await checkA11y(page, 'availability dialog');
    await dialog.getByLabel('First day').fill(dayFromNow(10));
    // here an empty last day takes the first day, and cannot come before it
    assert.equal(await dialog.getByLabel('Last day').inputValue(), dayFromNow(10));
    assert.equal(await dialog.getByLabel('Last day').getAttribute('min'), dayFromNow(10));
    await dialog.getByLabel('Last day').fill(dayFromNow(12));
    await dialog.getByRole('button', { name: 'Block these days' }).click();
    await dialog.getByText('Those days are blocked.').waitFor();
    await dialog.getByRole('button', { name: /^Free / }).waitFor();
    await screenshot(page, 'availability');
    // one block, of whole days in her zone (UTC: none set), the last day included
    const [block] = await sdk(page, (id) => window.peerbase.pb.collection('availability_blocks').getFullList({ filter: `offer = "${id}"` }), offer.id);
    assert.equal(block.start, `${dayFromNow(10)} 00:00:00.000Z`);
    assert.equal(block.end, `${dayFromNow(13)} 00:00:00.000Z`);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });

  test('Bob opens a conversation about the offer and writes; Alice gets it live with an unread badge', async () => {
    await alice.page.goto('/threads');
    await heading(alice.page, 'Messages');
    await alice.page.getByText('No conversations yet').waitFor();

    // from the offer page: its report and block buttons come from this area
    await bob.page.goto(`/offers/${offer.id}`);
    await heading(bob.page, 'Cordless drill');
    await bob.page.getByRole('button', { name: 'Report this offer' }).waitFor();
    await bob.page.getByRole('button', { name: 'Block this person' }).waitFor();
    await bob.page.getByRole('link', { name: 'Message', exact: true }).click();
    await heading(bob.page, 'Alice Martin');
    threadPath = new URL(bob.page.url()).pathname;
    assert.match(threadPath, /^\/threads\/[a-z0-9]{15}$/);
    await bob.page.getByRole('link', { name: /Cordless drill/ }).waitFor();

    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Hi Alice, is the drill free next week?');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await bob.page.getByText('Hi Alice, is the drill free next week?').waitFor();
    assert.equal(await bob.page.getByRole('textbox', { name: 'Message' }).inputValue(), '', 'the composer is emptied');

    // live on Alice's list, with the thread's unread count and the nav badge
    const row = alice.page.getByRole('link', { name: /Bob Leroy/ });
    await row.getByText('Hi Alice, is the drill free next week?').waitFor({ timeout: LIVE_MS });
    await row.getByText('1 unread message').waitFor();
    await alice.page.getByRole('link', { name: /Messages.*1 unread conversation/ }).waitFor({ timeout: LIVE_MS });
    await checkA11y(alice.page, 'threads list');
    await screenshot(alice.page, 'threads-list');

    // opening it reads it: the badge goes
    await row.click();
    await heading(alice.page, 'Bob Leroy');
    await alice.page.getByText('Hi Alice, is the drill free next week?').waitFor();
    await alice.page.getByRole('link', { name: /Messages.*unread/ }).waitFor({ state: 'detached', timeout: LIVE_MS });
  });

  test('Alice replies; Bob sees it live and Alice sees "Seen" once he has', async () => {
    await alice.page.getByRole('textbox', { name: 'Message' }).fill('Yes, any day but the 10th to the 12th.');
    await alice.page.getByRole('button', { name: 'Send' }).click();
    await bob.page.getByText('Yes, any day but the 10th to the 12th.').waitFor({ timeout: LIVE_MS });
    // Bob has the thread on screen: the reply is read at once, and Alice is told
    await alice.page.getByText('Seen').waitFor({ timeout: LIVE_MS });
  });

  test('Bob attaches a photo; both see it', async () => {
    await bob.page.getByLabel('Attach a photo').setInputFiles({ name: 'drill-bit.png', mimeType: 'image/png', buffer: PNG });
    await bob.page.getByText('Photo: drill-bit.png').waitFor();
    await bob.page.getByRole('button', { name: 'Send' }).click();
    const mine = bob.page.getByRole('img', { name: 'Photo you sent' });
    await mine.waitFor({ timeout: LIVE_MS });
    const theirs = alice.page.getByRole('img', { name: 'Photo from Bob Leroy' });
    await theirs.waitFor({ timeout: LIVE_MS });
    // the protected file loads for a participant (with a file token)
    const width = await theirs.evaluate((img) => new Promise((resolve) => {
      if (img.complete) resolve(img.naturalWidth);
      img.onload = () => resolve(img.naturalWidth);
      img.onerror = () => resolve(0);
    }));
    assert.ok(width > 0, 'the photo loads in Alice\'s browser');
    await checkA11y(bob.page, 'thread');
    await screenshot(bob.page, 'thread');
  });

  test('Bob retracts a message he just sent; it goes on both sides', async () => {
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Oops, wrong conversation');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await alice.page.getByText('Oops, wrong conversation').waitFor({ timeout: LIVE_MS });
    const mine = bob.page.getByRole('listitem').filter({ hasText: 'Oops, wrong conversation' });
    await mine.getByRole('button', { name: 'Retract' }).click();
    await bob.page.getByText('Oops, wrong conversation').waitFor({ state: 'detached' });
    await alice.page.getByText('Oops, wrong conversation').waitFor({ state: 'detached', timeout: LIVE_MS });
    assert.ok(await alice.page.getByText('Message retracted').count() >= 1, 'the other side sees it was retracted');
  });

  test('Bob proposes a loan: taken days are shown and refused, free ones are requested', async () => {
    await bob.page.getByRole('button', { name: 'Propose an exchange' }).click();
    const form = bob.page.getByRole('dialog', { name: /Propose an exchange/ });
    await form.waitFor();
    await form.getByText('Already taken:').waitFor();
    await checkA11y(bob.page, 'propose an exchange');
    await form.getByLabel('First day').fill(dayFromNow(9));
    // here an empty last day stays empty; its min follows the first day
    assert.equal(await form.getByLabel('Last day').inputValue(), '');
    assert.equal(await form.getByLabel('Last day').getAttribute('min'), dayFromNow(9));
    await form.getByLabel('Last day').fill(dayFromNow(11));
    await form.getByRole('button', { name: 'Send the request' }).click();
    await form.getByText('Some of these days are already taken').waitFor();

    // a last day before a new first day moves to it; one after it stays
    await form.getByLabel('First day').fill(dayFromNow(12));
    assert.equal(await form.getByLabel('Last day').inputValue(), dayFromNow(12));
    await form.getByLabel('First day').fill(dayFromNow(3));
    assert.equal(await form.getByLabel('Last day').inputValue(), dayFromNow(12));
    assert.equal(await form.getByLabel('Last day').getAttribute('min'), dayFromNow(3));
    await form.getByLabel('Last day').fill(dayFromNow(5));
    await form.getByRole('button', { name: 'Send the request' }).click();
    await form.waitFor({ state: 'detached' });
    await bob.page.getByText('You asked for an exchange').waitFor({ timeout: LIVE_MS });
    await bob.page.getByRole('link', { name: 'Exchange: Requested' }).waitFor();
  });

  test('they agree the loan through the UI: accept, received, returned, both confirm', async () => {
    // Alice, in the conversation, sees the request arrive
    await alice.page.getByText('Bob Leroy asked for an exchange').waitFor({ timeout: LIVE_MS });
    await alice.page.getByRole('link', { name: 'View the exchange' }).first().click();
    await heading(alice.page, 'Exchange: Cordless drill');
    exchangePath = new URL(alice.page.url()).pathname;
    // she saw the request in the conversation: nothing is left unread
    await alice.page.getByRole('link', { name: /Messages.*unread/ }).waitFor({ state: 'detached', timeout: LIVE_MS });
    await alice.page.getByText('Bob Leroy asks for this exchange').waitFor();
    await checkA11y(alice.page, 'exchange');
    await screenshot(alice.page, 'exchange');
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await alice.page.getByText('Done: the exchange is now “Accepted”.').waitFor();

    // Bob follows from the conversation to the exchange and says he has it
    await bob.page.getByText('Alice Martin accepted the exchange').waitFor({ timeout: LIVE_MS });
    await bob.page.getByRole('link', { name: 'Exchange: Accepted' }).click();
    await heading(bob.page, 'Exchange: Cordless drill');
    assert.equal(new URL(bob.page.url()).pathname, exchangePath);
    // the requester can't say it came back, the owner can't say it was handed over
    assert.equal(await bob.page.getByRole('button', { name: 'I got it back' }).count(), 0);
    assert.equal(await alice.page.getByRole('button', { name: 'I received it' }).count(), 0);
    await bob.page.getByRole('button', { name: 'I received it' }).click();
    await bob.page.getByText('Done: the exchange is now “Handed over”.').waitFor();

    // Alice's page follows live; she gets it back and confirms
    await alice.page.getByRole('button', { name: 'I got it back' }).click({ timeout: LIVE_MS });
    await alice.page.getByText('Done: the exchange is now “Returned”.').waitFor();
    await alice.page.getByRole('button', { name: 'Confirm it’s complete' }).click();
    await alice.page.getByText('You confirmed it is complete').waitFor();

    await bob.page.getByText('Alice Martin confirmed it is complete').waitFor({ timeout: LIVE_MS });
    await bob.page.getByRole('button', { name: 'Confirm it’s complete' }).click();
    await bob.page.getByText('This exchange is complete.').waitFor();
    await alice.page.getByText('This exchange is complete.').waitFor({ timeout: LIVE_MS });

    const x = await sdk(bob.page, (id) => window.peerbase.pb.collection('exchanges').getOne(id), exchangePath.split('/')[2]);
    assert.equal(x.state, 'completed');
    assert.deepEqual(x.history.map((e) => e.to), ['requested', 'accepted', 'handed_over', 'returned', 'completed']);
  });

  test('a sale has no dates and no return: requested with a price, completed after the hand-over', async () => {
    const lamp = await sdk(alice.page, (owner) => window.peerbase.pb.collection('offers').create({
      owner, title: 'Desk lamp', kind: 'sell', status: 'active', price: 15, currency: 'EUR',
    }), alice.userId);
    // the offer page's "Message" leads here; propose=1 opens the request at once
    await bob.page.goto(`/threads/new?offer=${lamp.id}&propose=1`);
    const form = bob.page.getByRole('dialog', { name: 'Propose an exchange: Desk lamp' });
    await form.waitFor();
    assert.equal(await form.getByLabel('First day').count(), 0, 'a sale asks for no dates');
    assert.equal(await form.getByLabel('Price you propose (EUR)').inputValue(), '15');
    await form.getByLabel('Price you propose (EUR)').fill('12');
    await form.getByRole('button', { name: 'Send the request' }).click();
    await form.waitFor({ state: 'detached' });
    await bob.page.getByRole('link', { name: 'Exchange: Requested' }).click();
    await heading(bob.page, 'Exchange: Desk lamp');
    await bob.page.getByText('€12.00').waitFor();
    const path = new URL(bob.page.url()).pathname;

    await alice.page.goto(path);
    await alice.page.getByRole('button', { name: 'Accept' }).click();
    await bob.page.getByRole('button', { name: 'I received it' }).click({ timeout: LIVE_MS });
    await bob.page.getByText('Done: the exchange is now “Handed over”.').waitFor();
    // no return for a sale: each side confirms straight away
    await alice.page.getByRole('button', { name: 'Confirm it’s complete' }).click({ timeout: LIVE_MS });
    assert.equal(await alice.page.getByRole('button', { name: 'I got it back' }).count(), 0);
    await bob.page.getByRole('button', { name: 'Confirm it’s complete' }).click({ timeout: LIVE_MS });
    await bob.page.getByText('This exchange is complete.').waitFor();
    // the sold lamp is closed by the server
    const closed = await sdk(alice.page, (id) => window.peerbase.pb.collection('offers').getOne(id), lamp.id);
    assert.equal(closed.status, 'closed');
    await bob.page.goto(exchangePath);
  });

  test('Bob reviews Alice, blind until she reviews him', async () => {
    await bob.page.getByRole('link', { name: 'Review Alice Martin' }).click();
    await heading(bob.page, 'Leave a review');
    await checkA11y(bob.page, 'new review');
    await screenshot(bob.page, 'review-new');
    await bob.page.getByRole('button', { name: 'Publish the review' }).click();
    await bob.page.getByText('Pick a rating from 1 to 5.').waitFor();
    await bob.page.getByLabel('5 out of 5').check();
    await bob.page.getByLabel('Your review (optional)').fill('Clean drill, charged batteries. Thanks!');
    await bob.page.getByRole('button', { name: 'Publish the review' }).click();
    await bob.page.getByText('It will be published when Alice Martin writes theirs').waitFor();

    const [review] = await sdk(bob.page, () => window.peerbase.pb.collection('reviews').getFullList());
    assert.equal(review.rating, 5);
    assert.equal(review.published, false, 'blind until both sides have written');
    // Alice can't read it yet
    assert.equal((await sdk(alice.page, () => window.peerbase.pb.collection('reviews').getFullList())).length, 0);
  });

  test('a dropped realtime connection is caught up when it comes back', async () => {
    await bob.page.goto(threadPath);
    await heading(bob.page, 'Alice Martin');
    // the connection drops and can't come back for now
    await bob.page.route('**/api/realtime**', (route) => route.abort());
    await dropRealtime(bob.page, true);
    const threadId = threadPath.split('/')[2];
    await sdk(alice.page, ([thread, author]) => window.peerbase.pb.collection('messages').create({ thread, author, body: 'Are you still there?' }),
      [threadId, alice.userId]);
    await sleep(SILENCE_MS);
    assert.equal(await bob.page.getByText('Are you still there?').count(), 0, 'realtime is down: nothing arrives');
    await bob.page.unroute('**/api/realtime**');
    await bob.page.getByText('Are you still there?').waitFor({ timeout: LIVE_MS });
  });

  test('the open thread\'s topic is held only while the page is visible (pushes reach a background tab)', async () => {
    const topic = `peerbase/threads/${threadPath.split('/')[2]}`;
    const holds = () => bob.page.evaluate((t) => Object.keys(window.peerbase.pb.realtime.subscriptions)
      .some((k) => k === t || k.startsWith(`${t}?`)), topic);
    const setVisibility = (state) => bob.page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
    assert.ok(await holds(), 'the thread on screen holds its topic');
    await setVisibility('hidden');
    await bob.page.waitForFunction((t) => !Object.keys(window.peerbase.pb.realtime.subscriptions)
      .some((k) => k === t || k.startsWith(`${t}?`)), topic);
    await setVisibility('visible');
    await bob.page.waitForFunction((t) => Object.keys(window.peerbase.pb.realtime.subscriptions)
      .some((k) => k === t || k.startsWith(`${t}?`)), topic);
    // the inbox stays held all along
    assert.ok(await bob.page.evaluate(() => 'peerbase/inbox' in window.peerbase.pb.realtime.subscriptions));
    assert.ok(await holds());
  });

  test('a connection lost without a word is caught up when the page is visible again', async () => {
    await dropRealtime(bob.page, false);
    const threadId = threadPath.split('/')[2];
    await sdk(alice.page, ([thread, author]) => window.peerbase.pb.collection('messages').create({ thread, author, body: 'Hello again' }),
      [threadId, alice.userId]);
    await sleep(SILENCE_MS);
    assert.equal(await bob.page.getByText('Hello again').count(), 0, 'the dropped connection delivers nothing');
    await bob.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    await bob.page.getByText('Hello again').waitFor({ timeout: LIVE_MS });
    // the cursor is kept per person in localStorage
    const cursor = await bob.page.evaluate((id) => localStorage.getItem(`peerbase.sync.cursor.${id}`), bob.userId);
    assert.ok(cursor, 'the sync cursor is stored');
  });

  test('the report dialog works from the keyboard', async () => {
    const page = bob.page;
    const report = page.getByRole('button', { name: 'Report this message' }).first();
    await report.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Report this message' });
    await dialog.waitFor();
    const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('dialog[open]'));
    assert.ok(await inDialog(), 'focus moves into the dialog');
    await checkA11y(page, 'report dialog');
    // Escape closes it and gives focus back to the button
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Report this message');

    await page.keyboard.press('Enter');
    await dialog.waitFor();
    // sending without a reason says what is missing
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab'); // reasons → note → Cancel → Send the report
      assert.ok(await inDialog(), 'Tab stays in the dialog');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Send the report');
    await page.keyboard.press('Enter');
    await dialog.getByText('Pick what is wrong.').waitFor();
    // the reasons are a radio group: arrows pick one
    await page.keyboard.press('Space');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.value), 'scam');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Asks for a deposit by wire transfer.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByText('Thank you. A moderator will look at it.').waitFor();
    await dialog.waitFor({ state: 'detached' });

    const reports = await sdk(page, () => window.peerbase.pb.collection('reports').getFullList());
    assert.equal(reports.length, 1);
    assert.equal(reports[0].target_collection, 'messages');
    assert.equal(reports[0].reason, 'scam');
    assert.equal(reports[0].note, 'Asks for a deposit by wire transfer.');
  });

  test('the block dialog works from the keyboard and stops the conversation', async () => {
    const page = alice.page;
    await page.goto(threadPath);
    await heading(page, 'Bob Leroy');
    await page.getByRole('button', { name: 'Block this person' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Block Bob Leroy?' });
    await dialog.waitFor();
    await checkA11y(page, 'block dialog');
    await page.keyboard.press('Tab'); // Cancel → Block
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Block');
    await page.keyboard.press('Enter');
    await page.getByText('Bob Leroy is blocked.').waitFor();
    await page.getByRole('button', { name: 'Unblock this person' }).waitFor();

    // neither of them can write now
    await bob.page.getByRole('textbox', { name: 'Message' }).fill('Hello?');
    await bob.page.getByRole('button', { name: 'Send' }).click();
    await bob.page.getByText('one of you blocked the other').waitFor();

    // and the block can be lifted
    await page.getByRole('button', { name: 'Unblock this person' }).click();
    await page.getByText('Unblocked.').waitFor();
    assert.equal((await sdk(page, () => window.peerbase.pb.collection('blocks').getFullList())).length, 0);
  });

  test('the screens read in French', async () => {
    await sdk(bob.page, (id) => window.peerbase.pb.collection('users').update(id, { locale: 'fr' }), bob.userId);
    await bob.page.goto('/threads');
    await bob.page.evaluate(() => window.peerbase.pb.collection('users').authRefresh());
    await heading(bob.page, 'Messages');
    await bob.page.goto(exchangePath);
    await heading(bob.page, 'Échange : Cordless drill');
    await bob.page.getByText('Cet échange est terminé.').waitFor();
  });

  test('no page threw an error', () => {
    assertNoErrors(alice.page);
    assertNoErrors(bob.page);
  });
});
