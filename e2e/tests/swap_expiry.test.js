// Swap proposals expire, through the official SDK against the real binary
// started with a short --swap-expiry: a three-way swap that its proposer and
// one other person accepted but the third did not is expired by the swaps
// job (run as a superuser through POST /api/crons/{id}, never by waiting for
// its schedule): its state is expired, its offers are active and its cycle
// may be proposed again, all three people have the "Swap expired"
// notification (the one who never answered also hears it in realtime, on
// the swap and on her notifications, and the swap screen she has open in
// the web app turns to "Expired" with nothing left to answer), and
// accepting or declining it afterwards is a 400 naming the state. The same run leaves alone a swap
// everyone accepted before the TTL (its offers stay reserved) and a
// proposal younger than the TTL, and expires exactly one swap (the job's
// own log line says so). Waiting past the TTL without the job changes
// nothing. With --swap-expiry=0 there is no job at all; a negative
// --swap-expiry is refused at start.
//
// Rate limits: users:create is raised to 10 for the first server (7 people);
// sign-ins stay as shipped (9 on the first server, cleo's in the browser
// included; 3 on the second).

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { assertNoErrors, checkA11y, heading, launchBrowser, newContext } from '../lib/browser.js';
import { adminClient, fieldError, PASSWORD, rejects, setRateLimit, signUp, sleep, waitFor as waitForEvery } from '../lib/pb.js';
import { binary, freePort, startServer } from '../lib/server.js';

const JOB = 'peerbaseSwapsExpire'; // swaps.ExpireJobID (hooks/swaps/swaps.go)
const JOB_SCHEDULE = '*/10 * * * *';
const TTL_MS = 3_000;
const MATCH_TIMEOUT_MS = 15_000; // the matching worker writes swap matches
const RUN_TIMEOUT_MS = 10_000; // the cron API runs the job in the background
const LOG_TIMEOUT_MS = 15_000; // PocketBase flushes its log batch every few seconds
const DELIVERY_TIMEOUT_MS = 5_000;
const POLL_MS = 200; // slow enough to stay under the shipped 300 requests / 10 s while a run never comes

// waitFor is the shared one at POLL_MS.
function waitFor(check, timeoutMs, what) {
  return waitForEvery(check, timeoutMs, what, POLL_MS);
}

// createdMs reads a PocketBase datetime ("2026-12-02 12:00:00.123Z").
const createdMs = (rec) => Date.parse(rec.created.replace(' ', 'T'));

// swapMatch waits for the single swap match of kind the matching worker
// writes for a person, and returns it.
async function swapMatch(who, kind) {
  return waitFor(async () => {
    const res = await who.pb.collection('matches').getList(1, 5, { filter: `kind = "${kind}"` });
    assert.ok(res.items.length <= 1, `${who.user.name} has ${res.items.length} ${kind} matches, want 1`);
    return res.items[0];
  }, MATCH_TIMEOUT_MS, `${who.user.name}'s ${kind} match`);
}

const propose = (who, match) =>
  who.pb.send('/api/peerbase/swaps', { method: 'POST', body: { match: match.id } });
const act = (who, swap, action) =>
  who.pb.send(`/api/peerbase/swaps/${swap.id}/${action}`, { method: 'POST' });

const offer = (who, title, wants) =>
  who.pb.collection('offers').create({
    owner: who.user.id, title, kind: 'swap', status: 'active', wants_in_return: wants,
  });

// clearOfScheduledRun waits, if the job's own schedule (every 10 minutes,
// on the minute, in UTC: PocketBase's cron default) could fire within the
// next 45 s, until it has passed: the test shows that its own run, not the
// schedule, expires the proposal.
async function clearOfScheduledRun() {
  const now = Date.now();
  const left = 600_000 - (now % 600_000); // to the next multiple of 10 minutes since the epoch (UTC)
  if (left < 45_000) {
    await sleep(left + 2_000);
  }
}

describe(`swap proposals expire after --swap-expiry (${TTL_MS} ms) when the job runs`, () => {
  let server;
  let admin;
  let ana, ben, cleo; // the three-way swap: ana proposes, ben accepts, cleo never answers
  let dan, eve; // a two-way swap both accept before the TTL
  let fay, gus; // a two-way proposal younger than the TTL when the job runs
  let guitar, novels, tent, keyboard, game, stove, lantern;
  let old, agreed, young;
  const events = { cleoSwap: [], notifications: { ana: [], ben: [], cleo: [] } };
  let browser;
  let page; // cleo's, signed in in the web app

  before(async () => {
    server = await startServer({ args: [`--swap-expiry=${TTL_MS}ms`] });
    admin = await adminClient(server);
    await setRateLimit(admin, 'users:create', 10);
    ana = await signUp(server.url, 'Ana');
    ben = await signUp(server.url, 'Ben');
    cleo = await signUp(server.url, 'Cleo');
    dan = await signUp(server.url, 'Dan');
    eve = await signUp(server.url, 'Eve');
    fay = await signUp(server.url, 'Fay');
    gus = await signUp(server.url, 'Gus');
  });

  after(async () => {
    for (const who of [ana, ben, cleo, dan, eve, fay, gus]) {
      await who?.pb.realtime.unsubscribe().catch(() => {});
    }
    await browser?.close();
    await server?.stop();
  });

  test('the job is registered with its schedule', async () => {
    const jobs = await admin.crons.getFullList();
    const job = jobs.find((j) => j.id === JOB);
    assert.ok(job, `no cron job ${JOB} in ${JSON.stringify(jobs)}`);
    assert.equal(job.expression, JOB_SCHEDULE);
  });

  test('swaps are proposed and answered as clients would', async () => {
    await clearOfScheduledRun();

    // first (so the oldest): dan proposes, eve accepts; everyone has, before the TTL
    keyboard = await offer(dan, 'Yamaha keyboard', 'board game');
    game = await offer(eve, 'Pandemic board game', 'keyboard');
    agreed = await propose(dan, await swapMatch(dan, 'swap-2'));
    assert.equal(agreed.state, 'proposed');
    agreed = await act(eve, agreed, 'accept');
    assert.equal(agreed.state, 'accepted');

    // ana proposes the three-way cycle, ben accepts, cleo does not answer
    guitar = await offer(ana, 'Acoustic guitar', 'tent');
    novels = await offer(ben, 'Crime novels', 'guitar');
    tent = await offer(cleo, 'Family tent', 'crime novels');
    old = await propose(ana, await swapMatch(ana, 'swap-3'));
    assert.equal(old.state, 'proposed');
    assert.deepEqual(new Set(old.participants), new Set([ana.user.id, ben.user.id, cleo.user.id]));
    old = await act(ben, old, 'accept');
    assert.equal(old.state, 'proposed', 'two of three have accepted');
    const accepted = Object.fromEntries(old.legs.map((l) => [l.person, l.accepted_at !== '']));
    assert.deepEqual(accepted, { [ana.user.id]: true, [ben.user.id]: true, [cleo.user.id]: false });

    // fay's match is ready; she proposes it just before the job runs
    stove = await offer(fay, 'Camping stove', 'lantern');
    lantern = await offer(gus, 'Storm lantern', 'camping stove');
    await swapMatch(fay, 'swap-2');

    await cleo.pb.collection('swaps').subscribe(old.id, (e) => events.cleoSwap.push(e));
    for (const [name, who] of Object.entries({ ana, ben, cleo })) {
      await who.pb.collection('notifications').subscribe('*', (e) => events.notifications[name].push(e));
    }

    // cleo opens the proposal in the web app: she may accept or decline it
    browser = await launchBrowser();
    ({ page } = await newContext(browser, server));
    await page.goto('/signin');
    await page.getByLabel('Email').fill(cleo.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => window.peerbase?.pb.authStore.isValid === true);
    await page.goto(`/swaps/${old.id}`);
    await heading(page, 'Swap');
    await page.getByRole('status').filter({ hasText: /^Proposed$/ }).waitFor();
    await page.getByRole('button', { name: 'Accept' }).waitFor();
  });

  test('past the TTL the proposal is still proposed until the job runs', async () => {
    const due = createdMs(old) + TTL_MS + 500;
    await sleep(Math.max(0, due - Date.now()));
    assert.equal((await cleo.pb.collection('swaps').getOne(old.id)).state, 'proposed');
    assert.equal(await expiredNotifications(cleo, old), 0);
  });

  test('the job run through the cron API expires it, and only it', async () => {
    young = await propose(fay, await swapMatch(fay, 'swap-2'));
    assert.equal(young.state, 'proposed');
    const ran = Date.now();
    assert.equal(await admin.crons.run(JOB), true);
    assert.ok(Date.now() - ran < TTL_MS, 'the young proposal must still be younger than the TTL when the job runs');

    const swap = await waitFor(async () => {
      const s = await cleo.pb.collection('swaps').getOne(old.id);
      return s.state === 'expired' && s;
    }, RUN_TIMEOUT_MS, 'the three-way swap to be expired');
    const last = swap.history.at(-1);
    assert.equal(last.action, 'expire');
    assert.equal(last.state, 'expired');
    assert.equal(last.by, 'system');
    assert.match(last.reason, /not accepted by everyone within 3s/);

    // the job logs how many it expired once it is done: exactly one
    const log = await waitFor(async () => {
      const res = await admin.logs.getList(1, 10, {
        filter: 'message = "swaps: expired proposals nobody finished accepting"',
      });
      return res.items[0];
    }, LOG_TIMEOUT_MS, "the job's log line");
    assert.equal(log.data.count, 1, `the run expired ${log.data.count} swaps: ${JSON.stringify(log)}`);
    assert.equal((await admin.logs.getList(1, 10, { filter: 'message ~ "swaps: failed"' })).totalItems, 0);
  });

  test('its offers are free again: active, and its cycle may be proposed anew', async () => {
    for (const [who, o] of [[ana, guitar], [ben, novels], [cleo, tent]]) {
      const rec = await who.pb.collection('offers').getOne(o.id);
      assert.equal(rec.status, 'active', `${o.title} after the expiry`);
    }
    assert.equal((await admin.collection('exchanges').getList(1, 1, { filter: `swap = "${old.id}"` })).totalItems, 0,
      'an expired proposal has no legs');
  });

  test('each participant has the expiry notification; cleo heard it in realtime', async () => {
    const titles = { [guitar.id]: 'Acoustic guitar', [novels.id]: 'Crime novels', [tent.id]: 'Family tent' };
    for (const [name, who] of Object.entries({ ana, ben, cleo })) {
      const list = await who.pb.collection('notifications').getFullList({
        filter: `type = "swap" && data.swap = "${old.id}" && title = "Swap expired"`,
      });
      assert.equal(list.length, 1, `${name}'s expiry notifications: ${JSON.stringify(list)}`);
      const n = list[0];
      assert.equal(n.user, who.user.id);
      assert.equal(n.link, `/swaps/${old.id}`);
      assert.equal(n.data.state, 'expired');
      const mine = old.legs.find((l) => l.person === who.user.id);
      const gets = old.legs.find((l) => l.to === who.user.id);
      assert.equal(n.text, `Not everyone accepted the swap of your “${titles[mine.offer]}” for “${titles[gets.offer]}” in time; ` +
        'your offer is free again.');
      await waitFor(() => events.notifications[name].find((e) => e.action === 'create' && e.record.id === n.id),
        DELIVERY_TIMEOUT_MS, `${name} to get the expiry notification in realtime`);
    }
    const update = await waitFor(() => events.cleoSwap.find((e) => e.action === 'update' && e.record.state === 'expired'),
      DELIVERY_TIMEOUT_MS, 'cleo to get the expired swap in realtime');
    assert.equal(update.record.id, old.id);

    for (const [name, who] of Object.entries({ dan, eve, fay, gus })) {
      assert.equal(await count(who, 'title = "Swap expired"'), 0, `${name} has no expiry notification`);
    }
  });

  test("cleo's open swap screen turns to Expired live, with nothing left to answer", async () => {
    await page.getByRole('status').filter({ hasText: /^Expired$/ }).waitFor({ timeout: DELIVERY_TIMEOUT_MS });
    for (const name of ['Accept', 'Decline', 'Cancel the swap']) {
      assert.equal(await page.getByRole('button', { name }).count(), 0, `no ${name} button on an expired swap`);
    }
    await checkA11y(page, 'swap (expired)');
    assertNoErrors(page);
  });

  test('the agreed swap and the young proposal are left as they were', async () => {
    const a = await dan.pb.collection('swaps').getOne(agreed.id);
    assert.equal(a.state, 'accepted');
    assert.equal(a.history.at(-1).action, 'accept');
    for (const [who, o] of [[dan, keyboard], [eve, game]]) {
      assert.equal((await who.pb.collection('offers').getOne(o.id)).status, 'reserved', `${o.title} stays reserved`);
    }
    const y = await fay.pb.collection('swaps').getOne(young.id);
    assert.equal(y.state, 'proposed');
    for (const [who, o] of [[fay, stove], [gus, lantern]]) {
      assert.equal((await who.pb.collection('offers').getOne(o.id)).status, 'active');
    }
  });

  test('an expired swap cannot be accepted or declined afterwards', async () => {
    for (const action of ['accept', 'decline']) {
      const err = await rejects(act(cleo, old, action), 400, `cleo's ${action} of the expired swap`);
      const f = fieldError(err, 'state', `cleo's ${action}`);
      assert.equal(f.code, 'validation_swap_expired');
      assert.equal(f.message, "This swap is expired: it can't be changed any more.");
    }
    const err = await rejects(act(ana, old, 'cancel'), 400, "ana's cancel of the expired swap");
    assert.equal(fieldError(err, 'state', "ana's cancel").code, 'validation_swap_expired');
    const s = await cleo.pb.collection('swaps').getOne(old.id);
    assert.equal(s.state, 'expired');
    assert.equal(s.legs.find((l) => l.person === cleo.user.id).accepted_at, '', "cleo's refused acceptance is not kept");
  });

  test('the cycle of the expired swap may be proposed again', async () => {
    const again = await propose(cleo, await swapMatch(cleo, 'swap-3'));
    assert.notEqual(again.id, old.id);
    assert.equal(again.state, 'proposed');
    assert.equal(again.cycle_key, (await cleo.pb.collection('swaps').getOne(old.id)).cycle_key);
  });

  // count is how many of who's swap notifications match filter.
  async function count(who, filter) {
    const res = await who.pb.collection('notifications').getList(1, 1, { filter: `type = "swap" && ${filter}` });
    return res.totalItems;
  }

  async function expiredNotifications(who, swap) {
    return count(who, `data.swap = "${swap.id}" && title = "Swap expired"`);
  }
});

describe('--swap-expiry=0: proposals never expire', () => {
  let server;
  let admin;
  let ana, ben;

  before(async () => {
    server = await startServer({ args: ['--swap-expiry=0'] });
    admin = await adminClient(server);
    ana = await signUp(server.url, 'Ana');
    ben = await signUp(server.url, 'Ben');
  });

  after(async () => {
    await server?.stop();
  });

  test('there is no expiry job: its run is a 404 and the proposal stays proposed', async () => {
    const jobs = await admin.crons.getFullList();
    assert.ok(jobs.length > 0, 'the other jobs are listed');
    assert.equal(jobs.find((j) => j.id === JOB), undefined, `${JOB} must not be registered`);

    await offer(ana, 'Yamaha keyboard', 'board game');
    await offer(ben, 'Pandemic board game', 'keyboard');
    const swap = await propose(ana, await swapMatch(ana, 'swap-2'));
    const err = await rejects(admin.crons.run(JOB), 404, `running ${JOB}`);
    assert.match(err.response.message, /^Missing or invalid cron job/);
    assert.equal((await ben.pb.collection('swaps').getOne(swap.id)).state, 'proposed');
    // ben may still accept it
    assert.equal((await act(ben, swap, 'accept')).state, 'accepted');
  });
});

describe('a negative --swap-expiry', () => {
  test('is refused at start, naming the flag, rather than taken to mean never', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'peerbase-e2e-'));
    try {
      const port = await freePort();
      const err = await promisify(execFile)(await binary(),
        ['serve', '--http', `127.0.0.1:${port}`, '--dir', join(dir, 'pb_data'), '--swap-expiry=-1s'],
        { timeout: 10_000 }).then((out) => ({ served: true, ...out }), (e) => e);
      // stopped by the timeout, PocketBase shuts down cleanly (exit 0)
      assert.ok(!err.served && !err.killed, `serve must exit by itself with an error, not run until stopped: ${err.stdout}`);
      assert.equal(err.code, 1);
      assert.match(err.stderr, /--swap-expiry\) must be 0 \(never\) or more, got -1s/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
