// Builds the web app into ../pb_public (embedded into the binary):
//   node build.mjs          writes pb_public/ from src/ and static/
//   node build.mjs --check  builds into a temp dir and fails when the
//                           committed pb_public/ differs (stale output)
// Output: index.html, app.js + app.css (src/main.js and everything it imports,
// the pocketbase SDK included), sw.js (its shell list and cache name carry a
// hash of the other files, so a new build replaces the cached shell), and the
// files of static/ (manifest, icons).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const committed = resolve(here, '..', 'pb_public');
const check = process.argv.includes('--check');

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

/** licences is a comment naming every bundled package with its licence text (or its licence and author). */
async function licences() {
  const parts = [];
  for (const name of ['pocketbase', 'blurhash']) {
    const dir = join(here, 'node_modules', name);
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
    const file = (await readdir(dir)).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? await readFile(join(dir, file), 'utf8') : `${pkg.license} licence${pkg.author ? `, by ${typeof pkg.author === 'string' ? pkg.author : pkg.author.name}` : ''}`;
    parts.push(`${name} ${pkg.version}:\n${text.trim()}`);
  }
  return `/*! The Peerbase web app bundles:\n\n${parts.join('\n\n').replace(/\*\//g, '* /')}\n*/`;
}

/** bundle returns a map of output path (relative, '/'-separated) to bytes. */
async function bundle() {
  const files = new Map();
  const common = { bundle: true, minify: true, write: false, target: ['es2020'], legalComments: 'eof', logLevel: 'warning', charset: 'utf8' };
  const app = await build({
    ...common,
    entryPoints: { app: join(here, 'src', 'main.js') },
    outdir: '/out',
    format: 'esm',
    loader: { '.svg': 'text' },
    footer: { js: await licences() },
  });
  for (const f of app.outputFiles) files.set(relative('/out', f.path), Buffer.from(f.contents));
  const staticDir = join(here, 'static');
  for (const p of await walk(staticDir)) files.set(relative(staticDir, p).split('\\').join('/'), await readFile(p));

  const shell = [...files.keys()].sort();
  const hash = createHash('sha256');
  for (const k of shell) hash.update(k).update('\0').update(files.get(k)).update('\0');
  const version = hash.digest('hex').slice(0, 12);
  // index.html is cached as '/' (the server answers /index.html with a redirect to /).
  const shellUrls = ['/', ...shell.filter((k) => k !== 'index.html').map((k) => `/${k}`)];
  const sw = await build({
    ...common,
    entryPoints: { sw: join(here, 'src', 'sw.js') },
    outdir: '/out',
    format: 'iife',
    define: { __SHELL_VERSION__: JSON.stringify(version), __SHELL_FILES__: JSON.stringify(shellUrls) },
  });
  for (const f of sw.outputFiles) files.set(relative('/out', f.path), Buffer.from(f.contents));
  return files;
}

async function writeAll(dir, files) {
  await rm(dir, { recursive: true, force: true });
  for (const [name, bytes] of files) {
    const p = join(dir, name);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, bytes);
  }
}

// Every string in English and in French: a key missing in one is an error.
const { default: strings } = await import(`./src/i18n/index.js?${Date.now()}`);
const missing = [
  ...Object.keys(strings.en).filter((k) => !(k in strings.fr)).map((k) => `fr: ${k}`),
  ...Object.keys(strings.fr).filter((k) => !(k in strings.en)).map((k) => `en: ${k}`),
];
if (missing.length) {
  console.error(`strings missing a translation:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

const files = await bundle();
if (!check) {
  await writeAll(committed, files);
  console.log(`pb_public: ${files.size} files written`);
} else {
  const tmp = await mkdtemp(join(tmpdir(), 'peerbase-web-'));
  try {
    await writeAll(join(tmp, 'pb_public'), files);
    const have = new Map();
    for (const p of await walk(committed).catch(() => [])) have.set(relative(committed, p).split('\\').join('/'), await readFile(p));
    const problems = [];
    for (const [name, bytes] of files) {
      if (!have.has(name)) problems.push(`missing: pb_public/${name}`);
      else if (!have.get(name).equals(bytes)) problems.push(`differs: pb_public/${name}`);
    }
    for (const name of have.keys()) if (!files.has(name)) problems.push(`extra: pb_public/${name}`);
    if (problems.length) {
      console.error(`pb_public/ is not the build of web/ (run: cd web && npm ci && npm run build, then commit):\n  ${problems.join('\n  ')}`);
      process.exitCode = 1;
    } else {
      console.log(`pb_public: up to date (${files.size} files)`);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
