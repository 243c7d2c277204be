// The web app as an installable, offline-capable app in a real browser:
// the manifest and its icons, the service worker registering and taking
// control, the app shell loading offline with the offline banner, turning
// push on failing clearly (no push service is reachable from here), and the
// page's subscription-saving code storing a subscription made by the test
// push service (lib/pushservice.js), which then receives a real push.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { assertNoErrors, checkA11y, heading, launchBrowser, newPerson, screenshot } from '../lib/browser.js';
import { signUp, waitFor } from '../lib/pb.js';
import { startPushService } from '../lib/pushservice.js';
import { startServer } from '../lib/server.js';

const SUBJECT = 'mailto:web-e2e@peerbase.test';

describe('web app: installable, offline, push', () => {
  let svc;
  let server;
  let browser;
  let ana;

  before(async () => {
    svc = await startPushService({ subject: SUBJECT });
    server = await startServer({ env: { PEERBASE_PUSH_ALLOW_HOSTS: svc.host, PEERBASE_VAPID_SUBJECT: SUBJECT } });
    browser = await launchBrowser();
    ana = await newPerson(browser, server, { name: 'Ana Pwa', permissions: ['notifications'] });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await svc?.close();
  });

  test('the manifest makes it installable: name, standalone, icons that load', async () => {
    const { page } = ana;
    const href = await page.locator('link[rel=manifest]').getAttribute('href');
    const res = await page.request.get(href);
    assert.equal(res.status(), 200);
    const manifest = await res.json();
    assert.equal(manifest.name, 'Peerbase');
    assert.equal(manifest.display, 'standalone');
    assert.equal(manifest.start_url, '/');
    const sizes = manifest.icons.filter((i) => i.type === 'image/png').map((i) => i.sizes);
    assert.ok(sizes.includes('192x192') && sizes.includes('512x512'), `PNG icons: ${sizes}`);
    assert.ok(manifest.icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
    for (const icon of manifest.icons) {
      const r = await page.request.get(icon.src);
      assert.equal(r.status(), 200, icon.src);
      assert.equal(r.headers()['content-type'].split(';')[0], icon.type, icon.src);
    }
    // Chromium's own verdict: nothing of the app stands in the way of installing it (a test context is
    // incognito, which alone never installs anything).
    await page.evaluate(() => navigator.serviceWorker.ready);
    const cdp = await ana.context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);
    await cdp.detach();
  });

  test('the service worker registers, activates and controls the page', async () => {
    const { page } = ana;
    const state = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return { scope: reg.scope, state: reg.active?.state, script: reg.active?.scriptURL };
    });
    assert.equal(state.state, 'activated');
    assert.equal(new URL(state.script).pathname, '/sw.js');
    assert.equal(new URL(state.scope).pathname, '/');
    await page.reload();
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    const cached = await page.evaluate(async () => {
      const keys = await caches.keys();
      const shell = keys.find((k) => k.startsWith('peerbase-shell-'));
      const cache = await caches.open(shell);
      return (await cache.keys()).map((r) => new URL(r.url).pathname).sort();
    });
    for (const p of ['/', '/app.js', '/app.css', '/manifest.webmanifest']) assert.ok(cached.includes(p), `${p} cached: ${cached}`);
  });

  test('offline, the app shell still loads from the cache and says it is offline', async () => {
    const { page, context } = ana;
    await page.goto('/me');
    await heading(page, 'Ana Pwa');
    await page.waitForFunction(() => !!navigator.serviceWorker.controller);
    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
      // The shell works: the nav is there, and moving to a screen that needs the server says why it can't.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nearby' }).click();
      await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
      await checkA11y(page, 'offline');
      await screenshot(page, 'offline');
      // A fresh page of the same app (new tab), offline too.
      const tab = await context.newPage();
      await tab.goto('/settings');
      await tab.getByText('You are offline').first().waitFor();
      await tab.close();
    } finally {
      await context.setOffline(false);
    }
    // Back online, the banner goes.
    await page.goto('/me');
    await heading(page, 'Ana Pwa');
    await page.waitForFunction(() => document.querySelector('.offline-banner')?.hidden === true);
  });

  test('turning push on says clearly that it failed when no push service answers', async () => {
    const { page } = ana;
    await page.goto('/settings');
    await heading(page, 'Settings');
    await page.getByText('Push notifications are off for this device.').waitFor();
    await page.getByRole('button', { name: 'Turn on push notifications' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Push notifications could not be turned on' });
    await alert.waitFor({ timeout: 30_000 });
    assert.match(await alert.innerText(), /could not reach its push service/);
    await page.getByText('Push notifications are off for this device.').waitFor();
    const subs = await page.evaluate(() => window.peerbase.pb.collection('push_subscriptions').getFullList());
    assert.equal(subs.length, 0, 'nothing saved');
    assertNoErrors(page);
  });

  test('a push reaching the service worker shows a notification that points to its screen', async () => {
    const { page, context } = ana;
    await page.goto('/me');
    const cdp = await context.newCDPSession(page);
    const registrations = new Promise((resolve) => {
      cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
        const reg = e.registrations.find((r) => r.scopeURL === `${server.url}/` && !r.isDeleted);
        if (reg) resolve(reg);
      });
    });
    await cdp.send('ServiceWorker.enable');
    const reg = await registrations;
    const payload = { id: 'n1', type: 'message', title: 'Ben wrote to you', body: 'Are the shears free?', url: '/threads/abc123', source: 'messages', data: {} };
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: reg.registrationId, data: JSON.stringify(payload) });
    // The worker's notifications, once one titled `title` is there.
    const notification = (title) =>
      waitFor(
        () =>
          page.evaluate(async (want) => {
            const list = await (await navigator.serviceWorker.ready).getNotifications();
            const found = list.find((x) => x.title === want);
            return found ? { title: found.title, body: found.body, data: found.data } : null;
          }, title),
        10_000,
        `a notification "${title}"`,
      );
    const n = await notification('Ben wrote to you');
    assert.equal(n.title, 'Ben wrote to you');
    assert.equal(n.body, 'Are the shears free?');
    assert.deepEqual(n.data, { url: '/threads/abc123' });
    // A payload URL off this site opens the home screen instead.
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: server.url, registrationId: reg.registrationId, data: JSON.stringify({ ...payload, type: 'match', title: 'Elsewhere', url: 'https://evil.example/phish' }) });
    assert.deepEqual((await notification('Elsewhere')).data, { url: '/' });

    // Tapping the first opens its screen in the open app. No OS notification can be clicked from a test, so the
    // worker's own notificationclick handler is run on the shown notification by a synthetic event (its
    // waitUntil then throws, untrusted, once the handler has started the work: dispatchEvent reports it only).
    const [worker] = context.serviceWorkers();
    assert.ok(worker, 'the service worker is reachable');
    await worker.evaluate(async () => {
      const [shown] = (await self.registration.getNotifications()).filter((x) => x.title === 'Ben wrote to you');
      self.dispatchEvent(new NotificationEvent('notificationclick', { notification: shown }));
    });
    await page.waitForURL((u) => u.pathname === '/threads/abc123');
    await cdp.detach();
  });

  test('the page saves a subscription made by a push service, which then gets a real push', async () => {
    const { page } = ana;
    const device = svc.subscribe([201, 201, 201, 201]);
    const saved = await page.evaluate((json) => window.peerbase.savePushSubscription(json).then((r) => ({ id: r.id, endpoint: r.endpoint, user: r.user })), { endpoint: device.endpoint, keys: device.keys });
    const sub = device;
    assert.equal(saved.endpoint, sub.endpoint);
    assert.equal(saved.user, ana.userId);
    // The record is there through the API (Ana's own view).
    const list = await page.evaluate(() => window.peerbase.pb.collection('push_subscriptions').getFullList());
    assert.deepEqual(list.map((s) => s.endpoint), [sub.endpoint]);
    assert.equal(list[0].p256dh, sub.keys.p256dh);

    // A message to Ana reaches that push service, encrypted for those keys.
    const offer = await page.evaluate(() => window.peerbase.pb.collection('offers').create({ owner: window.peerbase.pb.authStore.record.id, title: 'Garden shears', kind: 'lend', status: 'active' }));
    const ben = await signUp(server.url, 'Ben');
    const thread = await ben.pb.collection('threads').create({ offer: offer.id, peer: ben.user.id });
    await ben.pb.collection('messages').create({ thread: thread.id, author: ben.user.id, body: 'Hello, are the shears free on Sunday?' });
    await waitFor(() => svc.received.find((r) => r.id === device.id), 20_000, 'the push of the message');
    const push = svc.received.find((r) => r.id === device.id);
    assert.equal(push.json.type, 'message');
    assert.equal(push.json.url, `/threads/${thread.id}`);
    assert.deepEqual(svc.violations, []);
  });

  // Last: it stops the server.
  test('when the server cannot be reached (the browser online), the page says it is offline', async () => {
    const { page } = ana;
    await page.goto('/me');
    await heading(page, 'Ana Pwa');
    assert.equal(await page.locator('.offline-banner').isHidden(), true);
    await server.kill();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Nearby' }).click();
    await page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.onLine), true);
  });
});
