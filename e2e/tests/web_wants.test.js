// Browser tests of the wants, swaps, feed, favourites, notifications and
// profile screens (webwants): a person saves a want in the UI and sees a
// match arrive live, in the notification centre too; a two-way swap is
// shown as its cycle, proposed by one and accepted by the other in the UI;
// a follow brings a new offer into the feed; a favourite shows in the
// favourites. axe-core checks every screen; screenshots at 360 px and
// desktop go to e2e/artifacts/screenshots/.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, heading, launchBrowser, newPerson, screenshot } from '../lib/browser.js';
import { adminClient, client, PASSWORD, signUp } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

const LIVE_MS = 20_000; // a match is written by the matching worker, then delivered on the inbox

/** moreOnce checks that items holds a first page (20), then presses 'More' and waits for the last page (no more 'More'). */
async function moreOnce(page, items) {
  const more = page.getByRole('button', { name: 'More' });
  await more.waitFor();
  assert.equal(await items.count(), 20);
  await more.click();
  await more.waitFor({ state: 'hidden' });
}

describe('web: wants, swaps, feed, favourites, notifications', () => {
  let server;
  let browser;
  let ana;
  let ben;
  let benPb;
  let anaPb;
  let want;
  let drill;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ana = await newPerson(browser, server, { name: 'Ana Martin' });
    ben = await newPerson(browser, server, { name: 'Ben Okafor' });
    benPb = client(server.url);
    await benPb.collection('users').authWithPassword(ben.email, PASSWORD);
    anaPb = client(server.url);
    await anaPb.collection('users').authWithPassword(ana.email, PASSWORD);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('ana saves a want in the UI', async () => {
    const { page } = ana;
    await page.goto('/wants');
    await heading(page, 'My wants');
    await checkA11y(page, 'wants (empty)');
    // a want can start from a search's words, category and kinds
    await page.goto('/wants/new?q=velo&category=garden-tools&kind=rent,lend');
    await heading(page, 'New want');
    assert.equal(await page.getByLabel('What are you looking for?').inputValue(), 'velo');
    assert.equal(await page.getByRole('checkbox', { name: 'Rent' }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'Lend' }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'Sell' }).isChecked(), false);
    assert.match(await page.getByLabel('Category').locator('option:checked').innerText(), /Garden tools$/);

    await page.goto('/wants');
    await page.getByRole('link', { name: 'New want' }).click();
    await heading(page, 'New want');
    await page.getByLabel('What are you looking for?').fill('perceuse sans fil');
    await page.getByLabel('Maximum price').fill('30');
    await page.getByLabel('Currency').fill('EUR');
    await page.getByRole('radio', { name: 'At once' }).check();
    await checkA11y(page, 'new want');
    await screenshot(page, 'want-new');
    await page.getByRole('button', { name: 'Save want' }).click();
    await heading(page, 'perceuse sans fil');
    want = await anaPb.collection('wants').getFirstListItem(`owner = "${ana.userId}"`);
    assert.equal(want.query, 'perceuse sans fil');
    assert.equal(want.max_price, 30);
    assert.equal(want.currency, 'EUR');
    assert.equal(want.alert, 'instant');
    assert.equal(want.active, true);
    assert.match(page.url(), new RegExp(`/wants/${want.id}$`));
    await page.getByText('Nothing matches yet').waitFor();
    await checkA11y(page, 'want (no match)');
  });

  test("ben publishes a matching offer: it appears live on ana's want, and in her notification centre", async () => {
    const { page } = ana;
    drill = await benPb.collection('offers').create({
      owner: ben.userId, title: 'Perceuse Bosch sans fil', kind: 'rent', status: 'active',
      price: 8, currency: 'EUR', price_unit: 'day', description: 'Avec deux batteries.',
    });
    const item = page.locator(`li[data-offer="${drill.id}"]`);
    await item.waitFor({ timeout: LIVE_MS });
    await item.getByText(/words: perceuse, fil/).waitFor();
    await item.getByText(/^Match \d+%$/).waitFor();
    await page.getByRole('status').filter({ hasText: 'New match: Perceuse Bosch sans fil' }).waitFor();
    await checkA11y(page, 'want (live match)');
    await screenshot(page, 'want-matches');

    // the nav badge counts it, and the centre lists it and links to the offer
    await page.getByRole('link', { name: /\(1 unread notification\)/ }).waitFor({ timeout: LIVE_MS });
    await page.goto('/notifications');
    await heading(page, 'Notifications');
    const link = page.getByRole('link', { name: /Found for “perceuse sans fil”: Perceuse Bosch sans fil/ });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), `/offers/${drill.id}`);
    await checkA11y(page, 'notifications');
    await screenshot(page, 'notifications');
    await page.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: /^Mark read/ }).first().waitFor({ state: 'detached' });
    const unread = await anaPb.collection('notifications').getList(1, 1, { filter: 'read = false' });
    assert.equal(unread.totalItems, 0);
    await page.getByRole('link', { name: /\(\d+ unread notifications?\)/ }).waitFor({ state: 'detached' });
    // and deletes it
    await page.getByRole('button', { name: /^Delete: Found for “perceuse sans fil”/ }).click();
    await link.waitFor({ state: 'detached' });
    assert.equal((await anaPb.collection('notifications').getFullList({ filter: 'type = "match"' })).length, 0);
  });

  test('ana dismisses the match: it stays dismissed', async () => {
    const { page } = ana;
    await page.goto(`/wants/${want.id}`);
    const item = page.locator(`li[data-offer="${drill.id}"]`);
    await item.waitFor();
    await item.getByRole('button', { name: 'Dismiss: Perceuse Bosch sans fil' }).click();
    await item.waitFor({ state: 'detached' });
    const m = await anaPb.collection('matches').getFirstListItem(`want = "${want.id}"`);
    assert.equal(m.dismissed, true);
    await page.reload();
    await heading(page, 'perceuse sans fil');
    await page.getByText('Nothing matches yet').waitFor();
  });

  test('ana edits the want (daily digest, near a place) and pauses it from her list', async () => {
    const { page } = ana;
    await page.goto('/wants');
    await page.getByRole('link', { name: 'Edit: perceuse sans fil' }).click();
    await heading(page, 'Edit want');
    assert.equal(await page.getByLabel('What are you looking for?').inputValue(), 'perceuse sans fil');
    await page.getByRole('radio', { name: 'In a daily digest' }).check();
    await page.getByRole('radio', { name: 'Near a place' }).check();
    await page.getByLabel('Or a city').selectOption({ label: 'Lyon' });
    assert.equal(await page.getByLabel('Latitude').inputValue(), '45.764');
    await page.getByLabel('Longitude').fill('4.84');
    await page.getByLabel('Radius (km)').fill('15');
    await checkA11y(page, 'edit want');
    await page.getByRole('button', { name: 'Save want' }).click();
    await heading(page, 'perceuse sans fil');
    const edited = await anaPb.collection('wants').getOne(want.id);
    assert.equal(edited.alert, 'daily');
    assert.deepEqual(edited.location, { lat: 45.764, lon: 4.84 });
    assert.equal(edited.radius_km, 15);
    await page.getByText('within 15 km').waitFor();

    await page.goto('/wants');
    await page.getByRole('button', { name: 'Pause: perceuse sans fil' }).click();
    await page.getByRole('button', { name: 'Resume: perceuse sans fil' }).waitFor();
    assert.equal((await anaPb.collection('wants').getOne(want.id)).active, false);
    await checkA11y(page, 'wants');
    await screenshot(page, 'wants');
  });

  test('a two-way swap is shown as its cycle, proposed by ana and accepted by ben in the UI', async () => {
    const keyboard = await anaPb.collection('offers').create({
      owner: ana.userId, title: 'Yamaha keyboard', kind: 'swap', status: 'active', wants_in_return: 'board game, chess set',
    });
    const game = await benPb.collection('offers').create({
      owner: ben.userId, title: 'Pandemic board game', kind: 'swap', status: 'active', wants_in_return: 'keyboard',
    });
    // the matching worker tells both
    let match;
    for (const deadline = Date.now() + LIVE_MS; !match && Date.now() < deadline;) {
      match = (await anaPb.collection('matches').getList(1, 1, { filter: 'kind = "swap-2"' })).items[0];
      if (!match) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(match, "ana's swap match");

    const { page } = ana;
    await page.goto('/matches');
    await heading(page, 'Swap matches');
    const card = page.locator('article.swap-match').first();
    await card.getByText('You give “Yamaha keyboard” to Ben Okafor').waitFor();
    await card.getByText('Ben Okafor gives “Pandemic board game” to you').waitFor();
    await checkA11y(page, 'swap matches');
    await screenshot(page, 'swap-matches');
    await card.getByRole('button', { name: 'Propose this swap' }).click();
    await heading(page, 'Swap');
    await page.getByRole('status').filter({ hasText: /^Proposed$/ }).waitFor();
    const swapId = page.url().split('/swaps/')[1];
    await checkA11y(page, 'swap (proposed)');

    // ben is told, opens it from his notification centre and accepts
    const bp = ben.page;
    await bp.goto('/notifications');
    await bp.getByRole('link', { name: 'Ana Martin proposes a swap' }).click();
    await heading(bp, 'Swap');
    assert.match(bp.url(), new RegExp(`/swaps/${swapId}$`));
    await bp.getByText('Ana Martin gives “Yamaha keyboard” to you').waitFor();
    await bp.getByRole('button', { name: 'Accept' }).click();
    await bp.getByRole('status').filter({ hasText: /^Agreed$/ }).waitFor();
    // each leg is now an exchange, linked from the swap
    const links = bp.getByRole('link', { name: 'Open the exchange' });
    await links.first().waitFor();
    assert.equal(await links.count(), 2);
    await checkA11y(bp, 'swap (agreed)');
    await screenshot(bp, 'swap');

    // ana's screen follows live
    await page.getByRole('status').filter({ hasText: /^Agreed$/ }).waitFor({ timeout: LIVE_MS });
    const swap = await anaPb.collection('swaps').getOne(swapId);
    assert.equal(swap.state, 'accepted');
    assert.deepEqual(new Set(swap.offers), new Set([keyboard.id, game.id]));
    assert.equal((await anaPb.collection('offers').getOne(keyboard.id)).status, 'reserved');

    // ben's own match of that cycle now leads to the swap instead of proposing it again
    await bp.goto('/matches');
    await heading(bp, 'Swap matches');
    assert.equal(await bp.getByRole('link', { name: 'See the swap' }).getAttribute('href'), `/swaps/${swapId}`);
    await bp.goto(`/swaps/${swapId}`);
    await bp.getByRole('status').filter({ hasText: /^Agreed$/ }).waitFor();

    // nothing handed over yet: ana may still call it off, after a confirmation
    await page.getByRole('button', { name: 'Cancel the swap' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this swap for everyone?' });
    await dialog.waitFor();
    await checkA11y(page, 'swap (cancel dialog)');
    await dialog.getByRole('button', { name: 'Cancel the swap' }).click();
    await page.getByRole('status').filter({ hasText: /^Cancelled$/ }).waitFor();
    await bp.getByRole('status').filter({ hasText: /^Cancelled$/ }).waitFor({ timeout: LIVE_MS });
    assert.equal((await anaPb.collection('swaps').getOne(swapId)).state, 'cancelled');
    assert.equal((await anaPb.collection('offers').getOne(keyboard.id)).status, 'active');
    // a cancelled swap may be proposed again; this time ben declines it
    await page.goto('/matches');
    await page.locator('article.swap-match').first().getByRole('button', { name: 'Propose this swap' }).click();
    await page.getByRole('status').filter({ hasText: /^Proposed$/ }).waitFor();
    const again = page.url().split('/swaps/')[1];
    assert.notEqual(again, swapId);
    await bp.goto(`/swaps/${again}`);
    await bp.getByRole('button', { name: 'Decline' }).click();
    await bp.getByRole('status').filter({ hasText: /^Declined$/ }).waitFor();
    await page.getByRole('status').filter({ hasText: /^Declined$/ }).waitFor({ timeout: LIVE_MS });
    assert.equal(await bp.getByRole('button', { name: 'Accept' }).count(), 0);
    assert.equal((await anaPb.collection('swaps').getOne(again)).state, 'declined');
  });

  test('a three-way swap is shown in giving order, starting with what ana gives', async () => {
    const carol = await signUp(server.url, 'Carol');
    const dan = await signUp(server.url, 'Dan');
    await anaPb.collection('offers').create({
      owner: ana.userId, title: 'Sewing machine', kind: 'swap', status: 'active', wants_in_return: 'telescope',
    });
    await carol.pb.collection('offers').create({
      owner: carol.user.id, title: 'Telescope', kind: 'swap', status: 'active', wants_in_return: 'kayak',
    });
    await dan.pb.collection('offers').create({
      owner: dan.user.id, title: 'Kayak', kind: 'swap', status: 'active', wants_in_return: 'sewing machine',
    });
    let match;
    for (const deadline = Date.now() + LIVE_MS; !match && Date.now() < deadline;) {
      match = (await anaPb.collection('matches').getList(1, 1, { filter: 'kind = "swap-3"' })).items[0];
      if (!match) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(match, "ana's three-way swap match");

    const { page } = ana;
    await page.goto(`/matches/${match.id}`);
    await heading(page, 'Three-way swap');
    const legs = page.locator('ol.cycle > li');
    assert.deepEqual(await legs.allInnerTexts(), [
      'You give “Sewing machine” to Dan',
      'Dan gives “Kayak” to Carol',
      'Carol gives “Telescope” to you',
    ]);
    await page.getByRole('button', { name: 'Propose this swap' }).waitFor();
    await checkA11y(page, 'three-way swap match');
    await screenshot(page, 'swap-match-3');
  });

  test("ana follows ben from his profile and sees his new offer in her feed", async () => {
    const { page } = ana;
    await page.goto(`/people/${ben.userId}`);
    await heading(page, 'Ben Okafor');
    await page.getByText('0 followers').waitFor();
    await checkA11y(page, 'profile');
    await page.getByRole('button', { name: 'Follow Ben Okafor' }).click();
    await page.getByRole('button', { name: 'Unfollow Ben Okafor' }).waitFor();
    await page.getByText('1 follower', { exact: true }).waitFor();
    assert.equal((await anaPb.collection('users').getOne(ben.userId)).followers_count, 1);
    await screenshot(page, 'profile');

    const lamp = await benPb.collection('offers').create({
      owner: ben.userId, title: 'Vintage desk lamp', kind: 'give', status: 'active',
    });
    await page.goto('/feed');
    await heading(page, 'Following');
    await page.getByRole('link', { name: /Vintage desk lamp/ }).first().waitFor();
    await checkA11y(page, 'feed');
    await screenshot(page, 'feed');

    // the profile lists his active offers
    await page.goto(`/people/${ben.userId}`);
    await page.getByRole('link', { name: /Vintage desk lamp/ }).first().waitFor();
    assert.ok(lamp.id);
  });

  test("'More' pages through a want's matches and the feed with their cursors", async () => {
    // more offers than a page (20), made by a superuser (new accounts may post 10 an hour)
    const admin = await adminClient(server);
    const made = [];
    for (let i = 1; i <= 22; i++) {
      made.push(await admin.collection('offers').create({
        owner: ben.userId, title: `Brass lamp ${i}`, kind: 'give', status: 'active', description: 'A brass desk lamp.',
      }));
    }
    const lampWant = await anaPb.collection('wants').create({ owner: ana.userId, query: 'brass lamp', active: true, alert: 'off' });
    const { page } = ana;
    await page.goto(`/wants/${lampWant.id}`);
    await heading(page, 'brass lamp');
    const items = page.locator('li.match-item');
    await moreOnce(page, items);
    assert.equal(await items.count(), 22);
    const shown = await items.evaluateAll((els) => els.map((el) => el.dataset.offer));
    assert.deepEqual(new Set(shown), new Set(made.map((o) => o.id)));

    await page.goto('/feed');
    await heading(page, 'Following');
    const cards = page.locator('ul.feed-list > li');
    await moreOnce(page, cards);
    const titles = await cards.allInnerTexts();
    const lamps = titles.filter((x) => /Brass lamp \d+/.test(x));
    assert.equal(lamps.length, 22, titles.join(' | '));
    assert.equal(new Set(titles).size, titles.length, 'no offer twice');
    assert.ok(titles.some((x) => x.includes('Vintage desk lamp')));

    // the search screen's results page the same way, with the count announced
    await page.goto('/search?q=brass%20lamp');
    await heading(page, 'Search offers');
    const results = page.getByRole('list', { name: 'Offers' }).locator(':scope > li');
    await page.getByRole('status').filter({ hasText: '22 offers' }).waitFor();
    await moreOnce(page, results);
    const found = await results.allInnerTexts();
    assert.equal(found.length, 22);
    assert.equal(new Set(found).size, 22, 'no offer twice');
  });

  test("'More' pages through the wanted posts near me", async () => {
    const admin = await adminClient(server);
    for (let i = 1; i <= 22; i++) {
      await admin.collection('wants').create({ owner: ben.userId, query: `copper kettle ${i}`, public: true, active: true, alert: 'off' });
    }
    const { page } = ana;
    await page.goto('/wanted?q=copper%20kettle');
    const posts = page.getByRole('list', { name: 'Wanted posts' }).locator(':scope > li');
    await page.getByRole('status').filter({ hasText: '22 wanted posts' }).waitFor();
    await moreOnce(page, posts);
    const titles = await posts.locator('h2').allInnerTexts();
    assert.equal(titles.length, 22);
    assert.deepEqual(new Set(titles), new Set(Array.from({ length: 22 }, (_, i) => `copper kettle ${i + 1}`)));
  });

  test('ana saves an offer to her favourites and finds it there', async () => {
    const { page } = ana;
    const offer = await benPb.collection('offers').getFirstListItem('title = "Vintage desk lamp"');
    await page.goto(`/offers/${offer.id}`);
    const fav = page.getByRole('button', { name: 'Save to favourites' });
    await fav.click();
    await page.getByRole('button', { name: 'Remove from favourites' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Remove from favourites' }).getAttribute('aria-pressed'), 'true');
    await page.goto('/favourites');
    await heading(page, 'Favourites');
    await page.getByRole('link', { name: /Vintage desk lamp/ }).first().waitFor();
    await checkA11y(page, 'favourites');
    await screenshot(page, 'favourites');
    const favs = await anaPb.collection('favourites').getFullList();
    assert.deepEqual(favs.map((f) => f.offer), [offer.id]);
    assertNoErrors(page);
    assertNoErrors(ben.page);
  });
});
