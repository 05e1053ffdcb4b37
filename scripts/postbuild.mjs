// Trunk post_build hook (Trunk.toml [[hooks]]): runs on the staged dist before Trunk moves it.
//
// 1. Content-Security-Policy: a <meta> on index.html that allows WebAssembly ('wasm-unsafe-eval',
//    never 'unsafe-eval'), only this site's scripts plus the sha256 of Trunk's inline module
//    script that starts the app, workers from this site, and
//    frames from this site (the "Copy embed code" preview).
// 2. Relative asset paths: every path Trunk writes starts with ./ (public_url = "./"); this
//    checks that none is absolute, so dist/ works under any sub-path.
// 3. The service worker's precache list: every file of dist/ and a version from their hashes.
// 0. First, the lessons' JSON: the site's wasm bundles are built without the `embedded-lessons`
//    feature and fetch `lessons-<fnv1a32>.json` (web/build.rs names it and writes it to the
//    crate's OUT_DIR). This copies the one whose name a staged wasm file mentions, and adds a
//    <link rel=preload> so the page's fetch overlaps the wasm download and compile.
//
// Uses only Node's standard library. `node scripts/postbuild.mjs DIR` runs it on a folder.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2];
if (!dir) {
  console.error('postbuild: TRUNK_STAGING_DIR is not set (run by Trunk, or pass a folder)');
  process.exit(2);
}

export const CSP_MARK = '<!-- CSP -->';

function sha256(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('base64');
}

/** The CSP for index.html given the inline scripts it holds. */
export function policy(inlineScripts) {
  const hashes = inlineScripts.map((s) => `'sha256-${sha256(s)}'`).join(' ');
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${hashes ? ' ' + hashes : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
  ].join('; ');
}

async function listFiles(root, rel = '') {
  const out = [];
  for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
    const r = path.posix.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(root, r)));
    else out.push(r);
  }
  return out.sort();
}

const indexPath = path.join(dir, 'index.html');
let html = await fs.readFile(indexPath, 'utf8');

/** 32-bit FNV-1a of bytes, as web/build.rs computes it. */
export function fnv1a32(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

async function copyLessons() {
  const wasm = [];
  for (const f of await fs.readdir(dir)) if (f.endsWith('.wasm')) wasm.push(await fs.readFile(path.join(dir, f)));
  const root = path.resolve(process.env.TRUNK_SOURCE_DIR ?? path.join(path.dirname(new URL(import.meta.url).pathname), '..'));
  const target = path.resolve(root, process.env.CARGO_TARGET_DIR ?? 'target');
  const profile = process.env.TRUNK_PROFILE === 'debug' ? 'debug' : 'release';
  const build = path.join(target, 'wasm32-unknown-unknown', profile, 'build');
  let dirs = [];
  try {
    dirs = (await fs.readdir(build)).filter((d) => d.startsWith('kplay-web-'));
  } catch {
    // no wasm build folder: a bundle with the lessons compiled in needs no file
  }
  const wanted = new Set();
  for (const d of dirs) {
    let text;
    try {
      text = await fs.readFile(path.join(build, d, 'out', 'lessons.json'));
    } catch {
      continue;
    }
    const name = `lessons-${fnv1a32(text)}.json`;
    if (wasm.some((w) => w.includes(name)) && !wanted.has(name)) {
      wanted.add(name);
      await fs.writeFile(path.join(dir, name), text);
    }
  }
  const mentioned = wasm.some((w) => w.includes('lessons-') && /lessons-[0-9a-f]{8}\.json/.test(w.toString('latin1')));
  if (mentioned && wanted.size === 0) {
    console.error(`postbuild: the wasm fetches a lessons-<hash>.json, but no ${build}/kplay-web-*/out/lessons.json matches it`);
    process.exit(1);
  }
  for (const name of wanted) {
    html = html.replace('</head>', `  <link rel="preload" href="./${name}" as="fetch" crossorigin="anonymous">\n</head>`);
  }
  return [...wanted];
}
const lessonFiles = await copyLessons();

// Absolute asset paths would break a sub-path deploy (GitHub Pages project sites).
const absolute = [...html.matchAll(/(?:src|href)="(\/[^"/][^"]*)"|from\s+'(\/[^']+)'|module_or_path:\s*'(\/[^']+)'/g)];
if (absolute.length) {
  console.error(`postbuild: absolute asset paths in index.html (set public_url = "./"): ${absolute.map((m) => m[1] ?? m[2] ?? m[3]).join(', ')}`);
  process.exit(1);
}

const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
const meta = `<meta http-equiv="Content-Security-Policy" content="${policy(inline)}">`;
if (!html.includes(CSP_MARK)) {
  console.error(`postbuild: index.html has no ${CSP_MARK} placeholder for the Content-Security-Policy`);
  process.exit(1);
}
html = html.replace(CSP_MARK, meta);
await fs.writeFile(indexPath, html);

// The service worker: precache every file (the worker loader, wasm, css, docs page, …).
const files = (await listFiles(dir)).filter((f) => f !== 'sw.js');
const hash = crypto.createHash('sha256');
for (const f of files) hash.update(f).update(await fs.readFile(path.join(dir, f)));
const version = hash.digest('hex').slice(0, 12);
const swPath = path.join(dir, 'sw.js');
let sw = await fs.readFile(swPath, 'utf8');
const precache = ['./', ...files.map((f) => `./${f}`)];
sw = sw
  .replace("const VERSION = 'dev';", `const VERSION = '${version}';`)
  .replace('const PRECACHE = [];', `const PRECACHE = ${JSON.stringify(precache)};`);
await fs.writeFile(swPath, sw);
console.log(`postbuild: ${lessonFiles.length ? lessonFiles.join(', ') + ' copied; ' : ''}CSP with ${inline.length} inline script hash(es); sw.js precaches ${precache.length} files (version ${version})`);
