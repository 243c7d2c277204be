// The web app's account screens in a real browser: sign up through the UI,
// sign out and in again, the not-found screen; axe-core on each and
// screenshots at 360 px and desktop width.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, heading, launchBrowser, newContext, newPerson, screenshot } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('web app: account', () => {
  let server;
  let browser;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the sign-up and sign-in screens pass axe-core', async () => {
    const { context, page } = await newContext(browser, server);
    await page.goto('/signup');
    await heading(page, 'Create an account');
    await checkA11y(page, 'sign up');
    await screenshot(page, 'signup');
    // The first Tab reaches "Skip to content", which moves focus to the screen.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to content');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await heading(page, 'Sign in');
    assert.equal(new URL(page.url()).pathname, '/signin');
    await checkA11y(page, 'sign in');
    await screenshot(page, 'signin');
    assertNoErrors(page);
    await context.close();
  });

  test('a person signs up in the UI, then signs out and back in', async () => {
    const ana = await newPerson(browser, server, { name: 'Ana Web' });
    const { page } = ana;
    // The server has the account, with the language and time zone of the browser.
    const me = await page.evaluate(() => window.peerbase.pb.collection('users').getOne(window.peerbase.pb.authStore.record.id));
    assert.equal(me.name, 'Ana Web');
    assert.equal(me.locale, 'en');
    assert.ok(me.timezone, 'the time zone is saved');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Me', exact: true }).click();
    await heading(page, 'Ana Web');
    await checkA11y(page, 'me');
    await screenshot(page, 'me');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await heading(page, 'Sign in');
    assert.equal(await page.evaluate(() => window.peerbase.pb.authStore.isValid), false);

    // A wrong password is said so, next to the form.
    await page.getByLabel('Email').fill(ana.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password.' }).waitFor();

    await page.getByLabel('Password').fill(ana.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => window.peerbase.pb.authStore.isValid === true);
    assertNoErrors(page);
    await ana.context.close();
  });

  test('a screen that needs an account asks to sign in first, then comes back', async () => {
    const { context, page } = await newContext(browser, server);
    await page.goto('/me');
    await heading(page, 'Sign in');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/me');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill('Ben Web');
    await page.getByLabel('Email').fill(`ben-${Date.now()}@example.test`);
    await page.getByLabel('Password', { exact: true }).fill('correct-horse-battery');
    await page.getByLabel('Password again').fill('correct-horse-battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await heading(page, 'Ben Web');
    assert.equal(new URL(page.url()).pathname, '/me');
    await context.close();
  });

  test('an unknown address shows the not-found screen', async () => {
    const { context, page } = await newContext(browser, server);
    const res = await page.goto('/no/such/screen');
    assert.equal(res.status(), 200, 'the server serves the app for its own routes');
    await heading(page, 'Page not found');
    await checkA11y(page, 'not found');
    await screenshot(page, 'not-found');
    await page.getByRole('link', { name: 'Go to offers nearby' }).click();
    assert.equal(new URL(page.url()).pathname, '/');
    assertNoErrors(page);
    await context.close();
  });
});
