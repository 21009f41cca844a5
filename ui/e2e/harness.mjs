// Processes the end-to-end tests need: the real qadam-server binary on a
// free loopback port with a temporary SQLite file, tauri-driver, and axe.
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TOKEN = 'e2e-token';
export const SERVER_BIN = join(ROOT, 'target/debug/qadam-server');
export const APP_BIN = join(ROOT, 'target/debug/qadam-app');
export const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** A fresh temporary directory, removed when the process exits (a city's
 *  databases are gigabytes); QADAM_KEEP_TMP=1 keeps them for a post-mortem. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!process.env.QADAM_KEEP_TMP) process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export async function waitHttp(url, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.status < 500) return;
    } catch {}
    if (Date.now() > until) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signals the process group `p` leads (the process and what it started). */
function signalGroup(p, signal) {
  try {
    process.kill(-p.pid, signal);
  } catch {
    // The group is gone.
  }
}

/** Starts `cmd` as the leader of its own process group, so that stopping it
 *  also stops what it started: tauri-driver starts WebKitWebDriver, which
 *  starts the app, and an app left running holds this process's output pipe
 *  open (a test file then never ends). */
export function startProcess(cmd, args, env, name) {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  process.on('exit', () => signalGroup(p, 'SIGKILL'));
  let log = '';
  p.stdout.on('data', (d) => (log += d));
  p.stderr.on('data', (d) => (log += d));
  p.log = () => log;
  p.on('exit', (code) => {
    if (code && !p.stopping) console.error(`${name} exited with ${code}:\n${log.slice(-3000)}`);
  });
  return p;
}

export async function stop(p) {
  if (!p) return;
  p.stopping = true;
  if (p.exitCode === null && p.signalCode === null) {
    const done = new Promise((r) => p.once('exit', r));
    signalGroup(p, 'SIGTERM');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  }
  // Whatever the process started and left behind goes with it.
  signalGroup(p, 'SIGKILL');
}

/** An NGO's own checklists (one extra element kind), read by app and server. */
export const NGO_CHECKLISTS = join(ROOT, 'fixtures/checklists-ngo');

/** Starts qadam-server on `port` with the database in `dir`. */
/** Where `make screenshots` keeps the README's screenshots; unset, none are written. */
const SCREENSHOTS = process.env.QADAM_SCREENSHOTS ? resolve(process.env.QADAM_SCREENSHOTS) : null;

/** Keeps a screenshot as `NAME.png` for the README (under `make screenshots`). */
export async function keepScreenshot(name, take) {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, `${name}.png`), await take());
}

/** A tiny basemap archive made by the script from synthetic features
 *  (`fixtures/basemap/make_sample.py`): its path. */
export function sampleBasemap(dir) {
  const out = join(dir, 'sample.pmtiles');
  execFileSync('python3', [join(ROOT, 'fixtures/basemap/make_sample.py'), out], { stdio: 'ignore' });
  return out;
}

/** A page expression: how many of the map's basemap tiles (protomaps-leaflet
 *  canvases) show more than one colour — a drawn street, lake or land edge,
 *  not just the background. */
export const DRAWN_BASEMAP_TILES = `[...document.querySelectorAll('canvas.leaflet-tile-loaded')].filter((c) => {
  if (!c.width || !c.height) return false;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length && seen.size < 3; i += 4 * 97) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
  return seen.size > 1;
}).length`;

export async function startServer({ dir, port, demo = true, basemap = null }) {
  const args = [
    'serve',
    '--db',
    join(dir, 'server.db'),
    '--listen',
    `127.0.0.1:${port}`,
    '--dashboard-dir',
    join(ROOT, 'ui/dist-dashboard'),
  ];
  if (demo) args.push('--demo');
  if (basemap) args.push('--basemap', basemap);
  const p = startProcess(SERVER_BIN, args, { QADAM_TOKEN: TOKEN, QADAM_CHECKLISTS_DIR: NGO_CHECKLISTS }, 'qadam-server');
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return p;
}

/** Starts tauri-driver; the app it launches inherits `env`. */
export async function startTauriDriver({ port, env }) {
  const p = startProcess('tauri-driver', ['--port', String(port), '--native-driver', '/usr/bin/WebKitWebDriver'], env, 'tauri-driver');
  await waitHttp(`http://127.0.0.1:${port}/status`);
  return p;
}

export function formatViolations(violations) {
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(' ')).join('\n  ')}`).join('\n');
}

/** Runs a `qadam-server` admin command (user, campaign) on a store. */
export function serverCli(args) {
  return execFileSync(SERVER_BIN, args, { encoding: 'utf8', env: { ...process.env, QADAM_CHECKLISTS_DIR: NGO_CHECKLISTS } });
}

/** The demo accounts' password (`qadam-server serve --demo`). */
export const DEMO_PASSWORD = 'qadam-demo';

/** A one-time enrollment code for `login`, made with the server's API token. */
export async function enrollmentCode(port, login) {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/enrollments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ login }),
  });
  if (!r.ok) throw new Error(`enrollment for ${login}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** Runs axe-core in a Playwright page: no WCAG 2.1 A/AA violation allowed. */
export async function runAxe(page, label) {
  // Evaluated through the DevTools protocol: the dashboard's
  // Content-Security-Policy refuses an inline <script>, as it should.
  await page.evaluate(`${AXE_SOURCE}\n;true`);
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  }, AXE_TAGS);
  if (violations.length) throw new Error(`WCAG 2.1 A/AA violations on ${label}:\n${formatViolations(violations)}`);
}

/** Headless Debian Chromium through playwright-core. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The coordinator dashboard of the server at `base` (the public map is at `/`). */
export const dashboardUrl = (base) => new URL('/coordinator/', base).href;

/** Signs in to the dashboard of the server at `base` as a demo account. */
export async function signIn(page, base, login = 'coordinator') {
  await page.goto(dashboardUrl(base));
  await page.fill('#login', login);
  await page.fill('#password', DEMO_PASSWORD);
  await page.click('#sign-in');
  await page.locator('#queue-link').waitFor();
}

/** Nothing on the page is wider than the window, but inside a box that
 *  scrolls on its own (a wide table) or the map. */
export async function assertFitsWidth(page, label) {
  const wide = await page.evaluate(() => {
    const w = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter(
        (e) =>
          e.getClientRects().length &&
          e.getBoundingClientRect().right > w + 1 &&
          !e.parentElement?.closest('.table-scroll, .leaflet-container'),
      )
      .slice(0, 5)
      .map((e) => `${e.tagName}#${e.id}.${[...e.classList].join('.')} ${Math.round(e.getBoundingClientRect().right)}>${w}`);
  });
  assert.deepEqual(wide, [], `${label}: elements wider than the window`);
}

/** Waits until the field `css` of the app (WebDriver `wd`) holds `value`. */
export async function waitValue(wd, css, value, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await wd.exec(`const e = document.querySelector(arguments[0]); return e ? e.value : null`, [css]);
    if (v === value) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${css} = ${value} (got ${v})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Clicks the first `css` of the app whose text includes `text`, looking
 *  again while the page re-renders under the search (a sync ending). */
export async function clickText(wd, css, text, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      for (const id of await wd.findAll(css)) {
        if ((await wd.text(id)).includes(text)) return await wd.clickElement(id);
      }
    } catch (e) {
      if (Date.now() > until) throw e;
    }
    if (Date.now() > until) throw new Error(`no ${css} with text ${text}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The app's geolocation answers `lat, lon` with `accuracy` metres (Xvfb
 *  has no GPS): at once when asked, and every 100 ms to a watch, so a
 *  watch sees the fix change when this is called again. */
export async function emulatePosition(wd, lat, lon, accuracy = 12) {
  await wd.exec(
    `window.__qadamFix = { coords: { latitude: arguments[0], longitude: arguments[1], accuracy: arguments[2] }, timestamp: Date.now() };
     if (!window.__qadamGeo) {
       const watches = new Map();
       let next = 1;
       window.__qadamGeo = {
         getCurrentPosition: (ok) => setTimeout(() => ok(window.__qadamFix), 10),
         watchPosition: (ok) => { const id = next++; watches.set(id, setInterval(() => ok(window.__qadamFix), 100)); return id; },
         clearWatch: (id) => { clearInterval(watches.get(id)); watches.delete(id); },
       };
       Object.defineProperty(navigator, 'geolocation', { configurable: true, value: window.__qadamGeo });
     }`,
    [lat, lon, accuracy],
  );
}
