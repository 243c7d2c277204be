// Starts the real peerbase binary for end-to-end tests: built once per test
// process from the module in the parent folder (or taken from PEERBASE_BIN),
// served on a free loopback port with a fresh data dir and a superuser.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

const e2eDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const moduleDir = resolve(e2eDir, '..');

// The build output lives in e2e/.tmp/ (ignored by git). `go build -o` leaves an
// up-to-date binary alone, so each test file "building" it again costs a
// fraction of a second once the first file has built it.
const buildDir = join(e2eDir, '.tmp', 'bin');

const BUILD_TIMEOUT_MS = 10 * 60_000; // a cold build of PocketBase and its deps
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

let binaryPromise;

/**
 * binary returns the path of the peerbase binary: PEERBASE_BIN if set,
 * otherwise one built from this repository with the tags in PEERBASE_BUILD_TAGS
 * (default "nodynamic"; set it to "" for no tags).
 */
export function binary() {
  binaryPromise ??= resolveBinary();
  return binaryPromise;
}

async function resolveBinary() {
  if (process.env.PEERBASE_BIN) {
    return resolve(process.env.PEERBASE_BIN);
  }
  const tags = (process.env.PEERBASE_BUILD_TAGS ?? 'nodynamic').trim();
  const out = join(buildDir, 'peerbase');
  await mkdir(buildDir, { recursive: true });
  const args = ['build', '-o', out];
  if (tags) {
    args.push('-tags', tags);
  }
  args.push('.');
  try {
    await execFileP('go', args, {
      cwd: moduleDir,
      env: { ...process.env, GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'go1.27.3', CGO_ENABLED: '0' },
      timeout: BUILD_TIMEOUT_MS,
      maxBuffer: 16 << 20,
    });
  } catch (err) {
    throw new Error(`go ${args.join(' ')} failed in ${moduleDir}:\n${err.stderr || err.message}`);
  }
  return out;
}

/** freePort asks the OS for a free loopback port, then releases it. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

/** tail returns the last n lines of a file, or a note if it can't be read. */
export function tail(file, n = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch (err) {
    return `(no log: ${err.message})`;
  }
}

// Children still running when the test process exits (a crashed test, an
// unhandled rejection) are killed here, so no server outlives its tests.
const running = new Set();
process.on('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/**
 * startServer builds (or finds) the binary, creates a superuser in a fresh
 * data dir (which also runs every migration), serves on a free loopback port
 * and waits for /api/health to answer 200. args are added to serve (e.g.
 * ["--demo"]); env is added to the server's environment.
 *
 * kill(signal) ends the server without removing its data dir (SIGKILL by
 * default, as a crash would); restart() serves the same data dir again, with
 * the same args and env, on a new free port (url changes) and waits for it.
 *
 * @returns {Promise<{url: string, adminEmail: string, adminPassword: string,
 *   dataDir: string, logFile: string, logTail: (n?: number) => string, stop: () => Promise<void>,
 *   kill: (signal?: string) => Promise<{code: number|null, signal: string|null}>, restart: () => Promise<void>,
 *   pid: () => number}>}
 */
export async function startServer({ args = [], env = {} } = {}) {
  const bin = await binary();
  const root = await mkdtemp(join(tmpdir(), 'peerbase-e2e-'));
  const dataDir = join(root, 'pb_data');
  const logFile = join(root, 'server.log');
  const adminEmail = 'admin@peerbase.test';
  const adminPassword = 'e2e-admin-password-' + Math.random().toString(36).slice(2, 10);

  const cleanup = () => (process.env.PEERBASE_E2E_KEEP ? Promise.resolve() : rm(root, { recursive: true, force: true }));

  try {
    await execFileP(bin, ['superuser', 'upsert', adminEmail, adminPassword, '--dir', dataDir], {
      cwd: root,
      env: { ...process.env, ...env },
      timeout: START_TIMEOUT_MS,
    });
  } catch (err) {
    await cleanup();
    throw new Error(`peerbase superuser upsert failed:\n${err.stdout || ''}${err.stderr || err.message}`);
  }

  const server = { url: '', adminEmail, adminPassword, dataDir, logFile, logTail: (n) => tail(logFile, n) };
  let child;
  let exited;
  let exitPromise;

  const serve = async () => {
    const port = await freePort();
    server.url = `http://127.0.0.1:${port}`;
    const logFd = openSync(logFile, 'a');
    child = spawn(bin, ['serve', '--http', `127.0.0.1:${port}`, '--dir', dataDir, ...args], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    running.add(child);
    const me = child;
    exited = null;
    exitPromise = new Promise((resolveExit) => {
      me.once('exit', (code, signal) => {
        exited = { code, signal };
        running.delete(me);
        resolveExit(exited);
      });
    });
    await waitHealthy(server.url, () => exited);
  };

  server.pid = () => child.pid;

  server.kill = async (signal = 'SIGKILL') => {
    if (!exited) {
      child.kill(signal);
    }
    return exitPromise;
  };

  server.stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    await cleanup();
  };

  server.restart = async () => {
    assert.ok(exited, 'restart: the server is still running (kill it first)');
    try {
      await serve();
    } catch (err) {
      const log = tail(logFile);
      await server.stop();
      throw new Error(`${err.message}\n--- ${logFile} (last lines) ---\n${log}`);
    }
  };

  try {
    await serve();
  } catch (err) {
    const log = tail(logFile);
    await server.stop();
    throw new Error(`${err.message}\n--- ${logFile} (last lines) ---\n${log}`);
  }

  return server;
}

async function waitHealthy(url, exited) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) {
      throw new Error(`peerbase serve exited early (code ${gone.code}, signal ${gone.signal})`);
    }
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) {
        return;
      }
      last = `status ${res.status}`;
    } catch (err) {
      last = err.cause?.code || err.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`peerbase serve did not become healthy at ${url} within ${START_TIMEOUT_MS} ms (last: ${last})`);
}
