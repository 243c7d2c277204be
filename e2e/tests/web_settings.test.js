// Settings and "wanted near me" in a real browser: profile with a picture,
// place and time zone, notification preferences and quiet hours saved to
// the account; the app in French and back; wanted posts near the place;
// downloading one's data; deleting the account. axe-core and screenshots.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, fixturesDir, heading, launchBrowser, newPerson, screenshot } from '../lib/browser.js';
import { signUp, waitFor } from '../lib/pb.js';
import { startServer } from '../lib/server.js';

describe('web app: settings and wanted posts', () => {
  let server;
  let browser;
  let ana;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    ana = await newPerson(browser, server, { name: 'Ana Settings' });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const me = () => ana.page.evaluate(() => window.peerbase.pb.collection('users').getOne(window.peerbase.pb.authStore.record.id));

  test('profile: name, about, picture', async () => {
    const { page } = ana;
    await page.goto('/settings');
    await heading(page, 'Settings');
    await checkA11y(page, 'settings');
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Your name').fill('Ana Renamed');
    await profile.getByLabel('About you').fill('I lend tools.');
    await profile.getByLabel('Account').selectOption({ label: 'A business' });
    await profile.getByLabel('Choose a picture').setInputFiles(join(fixturesDir, 'landscape.jpg'));
    await profile.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Saved', { exact: true }).waitFor();
    const u = await me();
    assert.equal(u.name, 'Ana Renamed');
    assert.equal(u.bio, 'I lend tools.');
    assert.equal(u.account_type, 'business');
    assert.ok(u.avatar, 'the picture is stored');
    assert.ok(u.avatar_meta[u.avatar].blurhash, 'and processed');
  });

  test('place, time zone, preferences and quiet hours', async () => {
    const { page } = ana;
    const placeTime = page.getByRole('region', { name: 'Place and time zone' });
    await placeTime.getByLabel('Your area').fill('Lyon');
    await placeTime.getByLabel('Time zone').selectOption('Europe/Paris');
    await placeTime.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved', { exact: true }).first().waitFor();

    const notes = page.getByRole('region', { name: 'Notifications' });
    await notes.getByLabel('New messages').uncheck();
    await notes.getByLabel('The daily digest').uncheck();
    await notes.getByLabel('From', { exact: true }).fill('22:00');
    await notes.getByLabel('Until', { exact: true }).fill('07:30');
    await notes.getByRole('button', { name: 'Save', exact: true }).click();
    await waitFor(async () => (await me()).quiet_start === '22:00', 10_000, 'the quiet hours saved');
    const u = await me();
    assert.ok(Math.abs(u.location.lat - 45.764) < 1e-6, `location ${JSON.stringify(u.location)}`);
    assert.equal(u.timezone, 'Europe/Paris');
    assert.equal(u.notify_prefs.message, false);
    assert.equal(u.notify_prefs.digest, false);
    assert.equal(u.notify_prefs.match, true);
    assert.equal(u.quiet_end, '07:30');
    await screenshot(page, 'settings');

    // Only one of the two times: said next to the field, nothing saved.
    await notes.getByLabel('Until', { exact: true }).fill('');
    await notes.getByRole('button', { name: 'Save', exact: true }).click();
    await notes.getByText('Give both times, or neither.').waitFor();
    assert.equal((await me()).quiet_end, '07:30');
  });

  test('the app in French, then in English again', async () => {
    const { page } = ana;
    await page.goto('/settings');
    await page.getByRole('region', { name: 'Language' }).getByLabel('Language of the app and of notifications').selectOption('fr');
    await page.getByRole('region', { name: 'Language' }).getByRole('button', { name: 'Save' }).click();
    await heading(page, 'Paramètres');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.getByRole('navigation', { name: 'Principal' }).getByRole('link', { name: 'À proximité' }).waitFor();
    assert.equal((await me()).locale, 'fr');
    await checkA11y(page, 'settings in French');
    await screenshot(page, 'settings-fr');
    // A reload keeps French (the account says so).
    await page.reload();
    await heading(page, 'Paramètres');
    await page.getByRole('region', { name: 'Langue' }).getByLabel('Langue de l’application et des notifications').selectOption('en');
    await page.getByRole('region', { name: 'Langue' }).getByRole('button', { name: 'Enregistrer' }).click();
    await heading(page, 'Settings');
    assertNoErrors(page);
  });

  test('wanted posts near my place', async () => {
    const ben = await signUp(server.url, 'Benwants');
    await ben.pb.collection('wants').create({ owner: ben.user.id, query: 'tent for four', kinds: ['lend', 'rent'], public: true, active: true, location: { lat: 45.76, lon: 4.84 }, radius_km: 10 });
    await ben.pb.collection('wants').create({ owner: ben.user.id, query: 'kayak in Paris', public: true, active: true, location: { lat: 48.85, lon: 2.35 }, radius_km: 10 });
    await ben.pb.collection('wants').create({ owner: ben.user.id, query: 'secret wish', public: false, active: true, location: { lat: 45.76, lon: 4.84 } });
    const { page } = ana;
    await page.goto('/me');
    await page.getByRole('link', { name: 'Wanted near me' }).click();
    await heading(page, 'Wanted near your area');
    await page.getByText('tent for four').waitFor();
    assert.equal(await page.getByText('kayak in Paris').count(), 0, 'too far');
    assert.equal(await page.getByText('secret wish').count(), 0, 'not public');
    await page.getByText('Benwants').waitFor();
    await checkA11y(page, 'wanted near me');
    await screenshot(page, 'wanted');
    // "I have one" starts an offer with the want's words.
    await page.getByRole('link', { name: 'I have one' }).click();
    await heading(page, 'Post an offer');
    assert.equal(await page.getByLabel('Title').inputValue(), 'tent for four');
  });

  test('download my data', async () => {
    const { page } = ana;
    await page.goto('/settings');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download my data' }).click();
    const file = await download;
    assert.equal(file.suggestedFilename(), `peerbase-export-${ana.userId}.json`);
    const data = JSON.parse(await readFile(await file.path(), 'utf8'));
    assert.equal(JSON.stringify(data).includes('Ana Renamed'), true);
  });

  test('delete my account', async () => {
    const { page } = ana;
    await page.getByRole('button', { name: 'Delete my account' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete your account?' });
    await checkA11y(page, 'delete dialog');
    await dialog.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByText('Your account is deleted.').waitFor();
    assert.equal(await page.evaluate(() => window.peerbase.pb.authStore.isValid), false);
    const res = await fetch(`${server.url}/api/collections/users/auth-with-password`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: ana.email, password: ana.password }) });
    assert.equal(res.status, 400, 'the account can no longer sign in');
    assertNoErrors(page);
  });
});
