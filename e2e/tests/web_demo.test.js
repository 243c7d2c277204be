// The web app over the demo data (serve --demo: people, offers with photos,
// wants in Lyon): a demo person signs in, and the main screens, full of real
// content, pass axe-core; their screenshots are the ones the README lists
// with the demo- prefix. Ana's account is in French: so is the app for her.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, heading, launchBrowser, newContext, screenshot } from '../lib/browser.js';
import { startServer } from '../lib/server.js';

describe('web app: the demo data', () => {
  let server;
  let browser;
  let page;
  let context;

  before(async () => {
    server = await startServer({ args: ['--demo'] });
    browser = await launchBrowser();
    ({ context, page } = await newContext(browser, server));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  test('Chloé of the demo signs in and sees offers near Lyon, with their photos', async () => {
    await page.goto('/signin');
    await page.getByLabel('Email').fill('chloe@demo.peerbase.local');
    await page.getByLabel('Password').fill('demo-password-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => window.peerbase.pb.authStore.isValid === true);
    // The place picker is folded when the account has an area: open it.
    if ((await page.locator('details.place-details').getAttribute('open')) === null) await page.locator('details.place-details > summary').click();
    await page.getByLabel('Place', { exact: true }).fill('Lyon');
    await page.getByRole('button', { name: 'Go' }).click();
    await heading(page, 'Offers near Lyon');
    await page.waitForFunction(() => document.querySelectorAll('article.offer-card').length >= 5);
    // Every card with a photo has its box laid out before the image arrives.
    const boxes = await page.locator('article.offer-card .photo-box').evaluateAll((els) => els.map((el) => el.style.aspectRatio));
    assert.ok(boxes.every(Boolean), `aspect ratios: ${boxes}`);
    await page.waitForFunction(() => [...document.querySelectorAll('.photo-box img')].slice(0, 4).every((img) => img.complete));
    await checkA11y(page, 'nearby (demo)');
    await screenshot(page, 'demo-nearby');
  });

  test('an offer with several photos, and wanted posts', async () => {
    await page.locator('article.offer-card', { has: page.locator('img') }).first().getByRole('link').click();
    await page.locator('.offer-detail h1').waitFor();
    await page.waitForFunction(() => document.querySelector('.gallery-main img')?.complete);
    await checkA11y(page, 'offer (demo)');
    await screenshot(page, 'demo-offer');
    await page.goto('/wanted');
    await page.locator('article.want-card').first().waitFor();
    await checkA11y(page, 'wanted (demo)');
    await screenshot(page, 'demo-wanted');
    await page.goto('/me/offers');
    await heading(page, 'My offers');
    await page.locator('article.offer-card').first().waitFor();
    await checkA11y(page, 'my offers (demo)');
    await screenshot(page, 'demo-my-offers');
    assertNoErrors(page);
  });

  test('Ana, whose account is in French, gets the app in French', async () => {
    const fr = await newContext(browser, server);
    try {
      await fr.page.goto('/signin');
      await fr.page.getByLabel('Email').fill('ana@demo.peerbase.local');
      await fr.page.getByLabel('Password').fill('demo-password-123');
      await fr.page.getByRole('button', { name: 'Sign in' }).click();
      await heading(fr.page, 'Offres près de votre secteur');
      assert.equal(await fr.page.evaluate(() => document.documentElement.lang), 'fr');
      await fr.page.waitForFunction(() => document.querySelectorAll('article.offer-card').length >= 3);
      await checkA11y(fr.page, 'nearby in French (demo)');
      await screenshot(fr.page, 'demo-nearby-fr');
      assertNoErrors(fr.page);
    } finally {
      await fr.context.close();
    }
  });
});
