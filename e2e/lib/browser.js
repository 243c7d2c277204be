// Browser tests: Debian's chromium driven by playwright-core, against the
// real binary (lib/server.js). launchBrowser() starts one headless chromium;
// newPerson() gives a fresh context (its own storage) with a person signed
// up through the UI; checkA11y() runs axe-core on the page and fails on any
// serious or critical violation; screenshot() saves the page at 360 px and
// at desktop width under e2e/artifacts/screenshots/ (ignored by git).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { PASSWORD, uniqueEmail } from './pb.js';

const e2eDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const artifactsDir = join(e2eDir, 'artifacts');
export const screenshotsDir = join(artifactsDir, 'screenshots');
export const fixturesDir = join(e2eDir, 'fixtures');

export const CHROMIUM = process.env.PEERBASE_CHROMIUM || '/usr/bin/chromium';
export const MOBILE = { width: 360, height: 740 };
export const DESKTOP = { width: 1280, height: 860 };

const require = createRequire(import.meta.url);
let axeSource;

/** launchBrowser starts headless chromium (one per test file is enough). */
export async function launchBrowser() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (scripts/test does it)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * newContext opens a fresh context (own cookies, storage, service workers)
 * on the server, at 360 px wide unless viewport says otherwise. Page errors
 * and console errors are collected in page.errors (see assertNoErrors).
 */
export async function newContext(browser, server, { viewport = MOBILE, locale = 'en-GB', permissions = [], geolocation } = {}) {
  const context = await browser.newContext({ baseURL: server.url, viewport, locale, permissions, geolocation, serviceWorkers: 'allow' });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  watchErrors(page);
  return { context, page };
}

/** watchErrors keeps uncaught errors of page in page.errors. */
export function watchErrors(page) {
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(`pageerror: ${err.message}`));
  return page;
}

/**
 * newPerson signs a fresh person up through the sign-up screen and waits
 * until the app is signed in. Returns { context, page, name, email,
 * password, userId }.
 */
export async function newPerson(browser, server, { name = 'Test Person', email = uniqueEmail(name.split(' ')[0].toLowerCase()), password = PASSWORD, ...opts } = {}) {
  const { context, page } = await newContext(browser, server, opts);
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForFunction(() => window.peerbase?.pb.authStore.isValid === true);
  const userId = await page.evaluate(() => window.peerbase.pb.authStore.record.id);
  return { context, page, name, email, password, userId };
}

/**
 * checkA11y runs axe-core on page (WCAG 2.x A and AA rules and best
 * practices) and fails listing every serious or critical violation.
 */
export async function checkA11y(page, name) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ content: axeSource });
  }
  const violations = await page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations'] });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`),
    [],
    `axe-core on ${name}: serious or critical violations`,
  );
  return violations;
}

/**
 * screenshot saves page as <name>-360.png and <name>-desktop.png under
 * e2e/artifacts/screenshots/ (the viewport is set back afterwards).
 */
export async function screenshot(page, name) {
  mkdirSync(screenshotsDir, { recursive: true });
  const before = page.viewportSize();
  const files = [];
  for (const [suffix, size] of [['360', MOBILE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const file = join(screenshotsDir, `${name}-${suffix}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  if (before) await page.setViewportSize(before);
  return files;
}

/** assertNoErrors fails when the page threw an uncaught error. */
export function assertNoErrors(page) {
  assert.deepEqual(page.errors, [], 'uncaught errors in the page');
}

/** heading waits for the screen's h1 to read text. */
export async function heading(page, text) {
  await page.getByRole('heading', { level: 1, name: text }).waitFor();
}
