// The real app end to end: the built Tauri binary driven through WebDriver
// (tauri-driver + WebKitWebDriver under Xvfb) against a real qadam-server
// process; then the dashboard in headless Debian Chromium. Steps follow
// issue 2: sync the demo campaign, go offline, create an object with
// elements and photos, restart the app, sync, see it on the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { WebDriver } from './webdriver.mjs';
import {
  ROOT, TOKEN, APP_BIN, AXE_SOURCE, AXE_TAGS, tempDir, freePort, startServer, startTauriDriver, stop, formatViolations,
} from './harness.mjs';

const OBJECT_NAME = 'Поликлиника E2E № 7';
const PHOTO_OBJECT = join(ROOT, 'fixtures/photos/entrance-gps.jpg');
const PHOTO_ELEMENT = join(ROOT, 'fixtures/photos/ramp-rotated-gps.jpg');

let serverDir, serverPort, server, driverPort, driver, wd, dataDir;

async function axe(label) {
  await wd.exec(AXE_SOURCE + '; return true;');
  const result = await wd.execAsync(
    `const done = arguments[arguments.length - 1];
     axe.run(document, { runOnly: { type: 'tag', values: arguments[0] } })
        .then((r) => done({ violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })) }))
        .catch((e) => done({ error: String(e) }));`,
    [AXE_TAGS],
  );
  assert.equal(result.error, undefined, `axe failed on ${label}: ${result.error}`);
  assert.equal(result.violations.length, 0, `WCAG 2.1 A/AA violations on ${label}:\n${formatViolations(result.violations)}`);
}

async function openApp() {
  wd = new WebDriver(`http://127.0.0.1:${driverPort}`);
  await wd.start(APP_BIN);
  await wd.waitFor('#sync-button');
}

async function emulatePosition(lat, lon) {
  await wd.exec(
    `const pos = { coords: { latitude: arguments[0], longitude: arguments[1], accuracy: 12 }, timestamp: Date.now() };
     Object.defineProperty(navigator, 'geolocation', { configurable: true,
       value: { getCurrentPosition: (ok) => setTimeout(() => ok(pos), 10), watchPosition: () => 0, clearWatch() {} } });`,
    [lat, lon],
  );
}

async function attachFile(css, path) {
  const id = await wd.waitFor(css);
  try {
    await wd.cmd('POST', `/element/${id}/value`, { text: path });
  } catch (e) {
    throw new Error(`could not pick ${path} in ${css}: ${e.message}`);
  }
}

before(async () => {
  serverDir = tempDir('qadam-e2e-server-');
  dataDir = tempDir('qadam-e2e-device-');
  serverPort = await freePort();
  driverPort = await freePort();
  server = await startServer({ dir: serverDir, port: serverPort });
  driver = await startTauriDriver({
    port: driverPort,
    env: {
      QADAM_DATA_DIR: dataDir,
      QADAM_SERVER_URL: `http://127.0.0.1:${serverPort}`,
      QADAM_TOKEN: TOKEN,
    },
  });
});

after(async () => {
  await wd?.quit().catch(() => {});
  await stop(driver);
  await stop(server);
});

test('1. the app syncs the demo campaign and lists its objects by distance and on a map', async () => {
  await openApp();
  await axe('the campaigns screen (empty)');
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  // The device stands in Turksib district: emulate the webview's geolocation
  // (Xvfb has no GPS), as a browser test emulates a position.
  await emulatePosition(43.33, 76.96);
  await wd.click('.cards .card');
  await wd.waitFor('#object-list li[data-distance-m]:not([data-distance-m=""])');
  const distances = await wd.exec(
    `return [...document.querySelectorAll('#object-list li')].map((li) => parseFloat(li.dataset.distanceM))`,
  );
  assert.equal(distances.length, 36, 'the demo campaign has 36 objects');
  assert.ok(distances.every((d, i) => Number.isFinite(d) && (i === 0 || distances[i - 1] <= d)), `sorted by distance: ${distances}`);
  const first = await wd.text(await wd.find('#object-list li button'));
  assert.match(first, /Турксиб|Turksib|Түрксіб/, `the nearest object is in Turksib: ${first}`);
  const markers = await wd.findAll('.leaflet-interactive');
  assert.ok(markers.length >= 36, `map shows the objects (${markers.length} markers)`);
  await axe('the objects screen');
});

test('2–4. offline: create an object with two elements and photos', async () => {
  await stop(server); // the server is gone: the auditor is offline
  await wd.click('#new-object');
  await wd.waitFor('#obj-name');
  await axe('the new-object form');
  // Saving with nothing filled in names the missing fields.
  await wd.click('#save-object');
  await wd.waitFor('#obj-name-err', { text: (s) => s.length > 0 });
  await wd.type('#obj-name', OBJECT_NAME);
  await wd.select('#obj-category', 'health');
  await wd.select('#obj-district', 'almaly');
  await wd.type('#obj-address', 'Алматы, ул. Толе би, 95');
  // "Use my location" fills the coordinates from the device position…
  await wd.type('#obj-lat', '1');
  await wd.click('#use-gps');
  await wd.waitFor('#gps-note', { text: '12' });
  const lat = await wd.exec(`return document.querySelector('#obj-lat').value`);
  assert.equal(lat, '43.330000', 'the device position fills the form');
  // …and the auditor may type better ones.
  await wd.type('#obj-lat', '43.252800');
  await wd.type('#obj-lon', '76.906500');
  await wd.click('#save-object');
  await wd.waitFor('#object-title', { text: OBJECT_NAME });

  await wd.select('#element-kind', 'ramp');
  await wd.type('#m-rise_mm', '450');
  await wd.type('#m-run_mm', '5400');
  await wd.type('#m-width_mm', '1000');
  await wd.type('#element-note', 'Поручень только с одной стороны');
  await wd.click('#add-element');
  await wd.waitFor('#element-list li.element', { text: '450' });

  await wd.select('#element-kind', 'door');
  await wd.type('#m-clear_width_mm', '850');
  await wd.type('#m-threshold_mm', '20');
  await wd.click('#add-element');
  await wd.waitFor('#element-list li.element:nth-child(2)', { text: '850' });

  await attachFile('#object-photo', PHOTO_OBJECT);
  await wd.waitFor('#status', { text: (s) => s.length > 0 });
  await attachFile('#element-list li.element:first-child input.element-photo', PHOTO_ELEMENT);
  const until = Date.now() + 15000;
  let thumbs = [];
  while (Date.now() < until) {
    thumbs = await wd.findAll('img.thumb');
    if (thumbs.length >= 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(thumbs.length, 2, 'object and element photos show as thumbnails');
  const pending = await wd.text(await wd.find('#pending'));
  assert.match(pending, /2/, `two photos wait to be sent: ${pending}`);
  await axe('the object page');
});

test('5. closing and reopening the app keeps everything', async () => {
  await wd.quit();
  await openApp();
  await wd.click('.cards .card');
  await wd.waitFor('#object-list li');
  let found = null;
  for (const id of await wd.findAll('#object-list li button')) if ((await wd.text(id)).includes(OBJECT_NAME)) found = id;
  assert.ok(found, 'the new object is in the list after a restart');
  await wd.clickElement(found);
  await wd.waitFor('#object-title', { text: OBJECT_NAME });
  assert.equal((await wd.findAll('#element-list li.element')).length, 2);
  await wd.waitFor('img.thumb');
});

let syncedProgress;
test('6. back online, Sync sends records and photo bytes with progress', async () => {
  // Offline sync fails clearly and loses nothing.
  await wd.click('#sync-button');
  await wd.waitFor('#error', { text: (s) => s.length > 0 });
  server = await startServer({ dir: serverDir, port: serverPort, demo: false });
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  syncedProgress = await wd.exec(
    `return { records: document.querySelector('#sync-records').value, bytes: document.querySelector('#sync-bytes').value,
              bytesMax: document.querySelector('#sync-bytes').max, pending: document.querySelector('#pending').textContent }`,
  );
  assert.ok(syncedProgress.bytes > 100000, `photo bytes were sent: ${JSON.stringify(syncedProgress)}`);
  assert.match(syncedProgress.pending, /\b0\b.*\b0\b/, `nothing left to send: ${syncedProgress.pending}`);
});

test('6. the dashboard lists and maps the new object with its elements and photo thumbnails', async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = `http://127.0.0.1:${serverPort}/`;
    await page.goto(base);
    await page.fill('#token', 'wrong-token');
    await page.click('#sign-in');
    await page.getByRole('alert').filter({ hasText: /токен/i }).waitFor();
    await runAxe(page, 'the dashboard sign-in');
    await page.fill('#token', TOKEN);
    await page.click('#sign-in');
    const row = page.locator('#objects tbody tr', { hasText: OBJECT_NAME });
    await row.waitFor();
    assert.equal(await page.locator('#objects tbody tr').count(), 37);
    assert.ok((await page.locator('.leaflet-interactive').count()) >= 37, 'the map shows every object');
    await runAxe(page, 'the dashboard object list');
    await row.getByRole('link').click();
    await page.locator('#object-title', { hasText: OBJECT_NAME }).waitFor();
    assert.equal(await page.locator('.element').count(), 2);
    await page.locator('.element', { hasText: '450' }).waitFor();
    const imgs = page.locator('img.thumb');
    assert.equal(await imgs.count(), 2);
    await page.waitForFunction(() => [...document.querySelectorAll('img.thumb')].every((i) => i.complete && i.naturalWidth > 0));
    await runAxe(page, 'the dashboard object page');
    // Phone-sized viewport renders the same page.
    await page.setViewportSize({ width: 360, height: 740 });
    await runAxe(page, 'the dashboard object page at 360×740');
  } finally {
    await browser.close();
  }
});

async function runAxe(page, label) {
  await page.addScriptTag({ content: AXE_SOURCE });
  const violations = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  }, AXE_TAGS);
  assert.equal(violations.length, 0, `WCAG 2.1 A/AA violations on ${label}:\n${formatViolations(violations)}`);
}
