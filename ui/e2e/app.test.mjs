// The real app end to end: the built Tauri binary driven through WebDriver
// (tauri-driver + WebKitWebDriver under Xvfb) against a real qadam-server
// process; then the dashboard in headless Debian Chromium. Steps follow
// issue 2: sync the demo campaign, go offline, create an object with
// elements and photos, restart the app, sync, see it on the dashboard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { WebDriver } from './webdriver.mjs';
import { HOSTILE, hostileObject } from './hostile.mjs';
import {
  ROOT,
  TOKEN,
  APP_BIN,
  NGO_CHECKLISTS,
  DEMO_PASSWORD,
  serverCli,
  enrollmentCode,
  AXE_SOURCE,
  AXE_TAGS,
  tempDir,
  freePort,
  startServer,
  startTauriDriver,
  stop,
  formatViolations,
  runAxe,
  launchChromium,
  signIn,
  dashboardUrl,
  sampleBasemap,
  DRAWN_BASEMAP_TILES,
  keepScreenshot,
  waitValue as waitValueIn,
  clickText as clickTextIn,
  emulatePosition as emulatePositionIn,
} from './harness.mjs';

const OBJECT_NAME = 'Поликлиника E2E № 7';
const ADA_CAMPAIGN = '019a0000-0000-7000-8000-00000000ada1';
const ADA_CAMPAIGN_NAME = 'Проверка по ADA (e2e)';
const KZ_CAMPAIGN = '019a0000-0000-7000-8000-0000000000b2';
const KZ_CAMPAIGN_NAME = 'Проверка по СП РК (e2e)';
const PHOTO_OBJECT = join(ROOT, 'fixtures/photos/entrance-gps.jpg');
const PHOTO_ELEMENT = join(ROOT, 'fixtures/photos/ramp-rotated-gps.jpg');

let serverDir, serverPort, server, driverPort, driver, wd, dataDir;
const waitValue = (css, value, timeoutMs) => waitValueIn(wd, css, value, timeoutMs);
const clickText = (css, text, timeoutMs) => clickTextIn(wd, css, text, timeoutMs);
const emulatePosition = (lat, lon, accuracy) => emulatePositionIn(wd, lat, lon, accuracy);
// A campaign of the demo auditor's whose texts are hostile HTML (issue #13.1).
const hostile = hostileObject(randomUUID());

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

/** Two more campaigns, created through the real push API: one audited
 *  against the 2010 ADA Standards, one against СП РК 3.06-101 (kept apart
 *  from the demo campaign, whose object count other steps check). */
async function pushCampaign(id, name, ruleSet, n0) {
  const field = (n, f, value) => ({
    op_id: `019a0000-0000-7000-8000-0000000a${String(n0 + n).padStart(4, '0')}`,
    entity: 'campaign',
    entity_id: id,
    field: f,
    value,
    hlc: `${String(1763000000000 + n0 + n).padStart(15, '0')}-000000`,
    device_id: 'e2e-coordinator',
  });
  const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({
      device_id: 'e2e-coordinator',
      changes: [
        field(1, 'name', name),
        field(2, 'rule_set', ruleSet),
        field(3, 'description', `Проверка норм ${ruleSet} в сквозном тесте`),
      ],
    }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** Waits until at least `n` elements match `css`. */
async function waitCount(css, n, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const count = (await wd.findAll(css)).length;
    if (count >= n) return count;
    if (Date.now() > until) throw new Error(`only ${count} of ${n} ${css}`);
    await new Promise((r) => setTimeout(r, 150));
  }
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
  server = await startServer({ dir: serverDir, port: serverPort, basemap: sampleBasemap(serverDir) });
  await pushCampaign(ADA_CAMPAIGN, ADA_CAMPAIGN_NAME, 'us-ada-2010', 0);
  await pushCampaign(KZ_CAMPAIGN, KZ_CAMPAIGN_NAME, 'kz-sp-3.06-101-2012', 10);
  // The demo auditor (made by --demo) audits both campaigns too.
  for (const c of [ADA_CAMPAIGN, KZ_CAMPAIGN]) {
    serverCli(['campaign', 'members', '--db', join(serverDir, 'server.db'), '--campaign', c, '--add', 'auditor']);
  }
  const pushed = await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ device_id: 'attacker-phone', changes: hostile.changes }),
  });
  assert.equal(pushed.status, 200, await pushed.text());
  serverCli(['campaign', 'members', '--db', join(serverDir, 'server.db'), '--campaign', hostile.campaign, '--add', 'auditor']);
  driver = await startTauriDriver({
    port: driverPort,
    env: {
      QADAM_DATA_DIR: dataDir,
      QADAM_SERVER_URL: `http://127.0.0.1:${serverPort}`,
      QADAM_CHECKLISTS_DIR: NGO_CHECKLISTS,
      // Syncs start only when a test says so, until the auto-sync test turns it on.
      QADAM_AUTO_SYNC: '0',
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
  // A fresh install says what to do, not just "no campaigns".
  await wd.waitFor('#campaigns-empty', { text: 'Подключите устройство в Настройках' });
  await axe('the campaigns screen (empty)');
  // The device is enrolled the way the coordinator's QR code does it: the
  // link carries the server and a one-time code for the demo auditor.
  await clickText('nav button', 'Настройки');
  const enrollment = await enrollmentCode(serverPort, 'auditor');
  await wd.type('#enroll-code', enrollment.link);
  await wd.type('#device-name', 'E2E phone');
  await wd.click('#enroll-button');
  await wd.waitFor('#enrolled-as', { text: 'auditor' });
  // The campaign area's map is kept on the device for offline use.
  await wd.waitFor('#basemap-kept', { text: 'не сохранена' });
  await wd.click('#basemap-download');
  await wd.waitFor('#basemap-kept', { text: 'Карта сохранена на устройстве' });
  await axe('the settings screen after enrollment');
  await clickText('nav button', 'Кампании');
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  // The device stands in Turksib district: emulate the webview's geolocation
  // (Xvfb has no GPS), as a browser test emulates a position.
  await emulatePosition(43.33, 76.96);
  await clickText('.cards .card', 'Демо');
  await wd.waitFor('#object-list li[data-distance-m]:not([data-distance-m=""])');
  const distances = await wd.exec(`return [...document.querySelectorAll('#object-list li')].map((li) => parseFloat(li.dataset.distanceM))`);
  assert.equal(distances.length, 36, 'the demo campaign has 36 objects');
  assert.ok(
    distances.every((d, i) => Number.isFinite(d) && (i === 0 || distances[i - 1] <= d)),
    `sorted by distance: ${distances}`,
  );
  const first = await wd.text(await wd.find('#object-list li button'));
  assert.match(first, /Турксиб|Turksib|Түрксіб/, `the nearest object is in Turksib: ${first}`);
  await waitCount('.leaflet-interactive', 36);
  // Each card says its status for wheelchair users, as the server judges the same records.
  const judged = await fetch(`http://127.0.0.1:${serverPort}/api/v1/map`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const wheelchair = Object.fromEntries((await judged.json()).map((p) => [p.id, p.wheelchair]));
  await waitCount('#object-list li .card-verdict', 36);
  const cards = await wd.exec(
    `return [...document.querySelectorAll('#object-list li')].map((li) => [li.dataset.id, li.querySelector('.card-verdict').dataset.wheelchair])`,
  );
  assert.deepEqual(Object.fromEntries(cards), Object.fromEntries(cards.map(([id]) => [id, wheelchair[id]])));
  await axe('the objects screen');

  // Standing 30 m from an object, "only within 100 m" lists just the
  // objects that close (the device's R-tree; the oracle here is a scan).
  const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/map`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const points = (await r.json()).filter((p) => p.lat_deg !== null && p.name.includes('(демо)'));
  const metres = (a, b) => {
    const rad = Math.PI / 180;
    const h =
      Math.sin(((b.lat_deg - a.lat_deg) * rad) / 2) ** 2 +
      Math.cos(a.lat_deg * rad) * Math.cos(b.lat_deg * rad) * Math.sin(((b.lon_deg - a.lon_deg) * rad) / 2) ** 2;
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  };
  const target = points[0];
  const me = { lat_deg: target.lat_deg + 30 / 111195, lon_deg: target.lon_deg };
  const expected = points
    .filter((p) => metres(me, p) <= 100)
    .map((p) => p.name)
    .sort();
  await emulatePosition(me.lat_deg, me.lon_deg);
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  // The list re-sorts from the new position: the target comes first.
  await wd.waitFor('#object-list li button', { text: target.name });
  await wd.click('#only-near');
  const until = Date.now() + 15000;
  let names = [];
  for (;;) {
    names = await wd.exec(`return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent)`);
    if (names.length === expected.length || Date.now() > until) break;
    await new Promise((res) => setTimeout(res, 150));
  }
  assert.deepEqual([...names].sort(), expected, 'exactly the objects within 100 m');
  assert.ok(expected.includes(target.name));
  await wd.click('#only-near');
  await waitCount('#object-list li', 36);
  await emulatePosition(43.33, 76.96); // back in Turksib, where the next steps stand
});

test('hostile names, addresses and notes from another phone show literally and run nowhere in the app', async () => {
  // Synced in step 1. The campaign card, the object card, the map's tooltip
  // (Leaflet puts a string tooltip into innerHTML) and the object page.
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Кампания');
  const card = await wd.waitFor('#object-list li button', { text: 'Кафе' });
  assert.ok((await wd.text(card)).includes(HOSTILE.name), `the object's name as text: ${await wd.text(card)}`);
  await waitCount('.leaflet-interactive', 1);
  const tooltip = await wd.exec(
    `document.querySelector('.leaflet-interactive').dispatchEvent(new MouseEvent('mouseover', { bubbles: true }));
     const t = document.querySelector('.leaflet-tooltip'); return t ? t.textContent : null;`,
  );
  assert.equal(tooltip, HOSTILE.name, 'the tooltip shows the name as text');
  await wd.clickElement(card);
  await wd.waitFor('#object-title', { text: 'Кафе' });
  assert.equal(await wd.text(await wd.find('#object-title')), HOSTILE.name);
  const page = await wd.exec('return document.body.innerText');
  assert.ok(page.includes(HOSTILE.address), 'the address as text');
  assert.ok(page.includes(HOSTILE.note), 'the note as text');
  const ran = await wd.exec(
    `return { xss: window.__xss ?? null, planted: document.querySelectorAll('img[src="x"], svg[onload], iframe, [onerror], [onmouseover]').length }`,
  );
  assert.deepEqual(ran, { xss: null, planted: 0 }, 'no payload ran, none of their elements exists');
  // Back where step 1 left the app: the demo campaign's objects.
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await waitCount('#object-list li', 36);
});

test('2–4. offline: create an object with two elements and photos', async () => {
  await stop(server); // the server is gone: the auditor is offline
  await wd.click('#new-object');
  await wd.waitFor('#obj-name');
  // With no server, the map still draws streets and water from the kept archive.
  const drawnBy = Date.now() + 20000;
  while ((await wd.exec(`return ${DRAWN_BASEMAP_TILES}`)) === 0) {
    assert.ok(Date.now() < drawnBy, 'the kept basemap is drawn offline');
    await new Promise((r) => setTimeout(r, 200));
  }
  await axe('the new-object form');
  // Saving with nothing filled in names the missing fields.
  await wd.click('#save-object');
  await wd.waitFor('#obj-name-err', { text: (s) => s.length > 0 });
  await wd.type('#obj-name', OBJECT_NAME);
  await wd.select('#obj-category', 'health');
  await wd.select('#obj-district', 'almaly');
  await wd.type('#obj-address', 'Алматы, ул. Толе би, 95');
  // "Use my location" follows the position and takes it only once it is as
  // accurate as Settings ask (20 m by default): at ±80 m it says so and
  // fills nothing…
  await wd.type('#obj-lat', '1');
  await emulatePosition(43.33, 76.96, 80);
  await wd.click('#use-gps');
  await wd.waitFor('#gps-note', { text: '±80' });
  assert.match(await wd.text(await wd.find('#gps-note')), /20 м/, 'the note says what accuracy it waits for');
  assert.equal(await wd.exec(`return document.querySelector('#obj-lat').value`), '1', 'a poor fix fills nothing');
  await axe('the new-object form waiting for a position');
  // …and at ±12 m it fills the coordinates from the device position…
  await emulatePosition(43.33, 76.96, 12);
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
  await waitValue('#element-list li.element input[data-measure="rise_mm"]', '450');

  await wd.select('#element-kind', 'door');
  await wd.type('#m-clear_width_mm', '850');
  await wd.type('#m-threshold_mm', '20');
  await wd.click('#add-element');
  await waitValue('#element-list li.element:nth-child(2) input[data-measure="clear_width_mm"]', '850');

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
  // Two photos wait, with the changes counted in Russian's own plural form
  // (1, 21: изменение; 2–4, 22–24: изменения; 0, 5–20, 25–30: изменений).
  const said = pending.match(/^Не отправлено: (\d+) (изменение|изменения|изменений), 2 фото$/);
  assert.ok(said, `two photos wait to be sent: ${pending}`);
  const n = Number(said[1]);
  const form =
    n % 10 === 1 && n % 100 !== 11
      ? 'изменение'
      : [2, 3, 4].includes(n % 10) && ![12, 13, 14].includes(n % 100)
        ? 'изменения'
        : 'изменений';
  assert.equal(said[2], form, pending);
  await axe('the object page');
});

test('5. closing and reopening the app keeps everything', async () => {
  await wd.quit();
  await openApp();
  await clickText('.cards .card', 'Демо');
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
  assert.equal(syncedProgress.pending, 'Не отправлено: 0 изменений, 0 фото', 'nothing left to send');
});

test('a field another device changed unseen shows on the object page until the coordinator decides', async () => {
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const api = (path, init = {}) => fetch(`http://127.0.0.1:${serverPort}/api/v1${path}`, { headers: auth, ...init });
  const pull = await (await api('/sync/pull?since=0&limit=5000')).json();
  const object = pull.changes.find((c) => c.change.entity === 'object' && c.change.value === OBJECT_NAME).change.entity_id;
  // Another auditor's phone, which had not seen this one's edits, set the address.
  const other = {
    op_id: '019a0000-0000-7000-8000-0000000d0001',
    entity: 'object',
    entity_id: object,
    field: 'address',
    value: 'Алматы, ул. Толе би, 97',
    hlc: `${String(Date.now()).padStart(15, '0')}-000000`,
    device_id: 'e2e-other-phone',
    seen_cursor: 0,
  };
  const r = await api('/sync/push', { method: 'POST', body: JSON.stringify({ device_id: 'e2e-other-phone', changes: [other] }) });
  assert.equal(r.status, 200, await r.text());
  await syncAndWait();
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await clickText('#object-list li button', OBJECT_NAME);
  const note = await wd.waitFor('.conflict-note[data-field="address"]');
  assert.match(await wd.text(note), /Толе би, 95/, 'the other value is named');
  assert.match(await wd.text(note), /Толе би, 97/, 'the current value is named');
  await axe('the object page with a conflict note');
  // The coordinator keeps this phone's value; after a sync the note is gone.
  const conflicts = await (await api('/conflicts')).json();
  const c = conflicts.find((x) => x.later.op_id === other.op_id);
  const resolved = await api(`/conflicts/${c.id}/resolve`, { method: 'POST', body: JSON.stringify({ keep: 'earlier' }) });
  assert.equal(resolved.status, 200);
  await syncAndWait();
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await clickText('#object-list li button', OBJECT_NAME);
  await wd.waitFor('#object-title', { text: OBJECT_NAME });
  const until = Date.now() + 10000;
  while ((await wd.findAll('.conflict-note')).length > 0) {
    assert.ok(Date.now() < until, 'the note goes once resolved');
    await new Promise((r) => setTimeout(r, 150));
  }
});

test('norms: a failing ramp shows ✗ with its clause as it is typed, and ✓ once fixed', async () => {
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'ADA');
  await wd.click('#new-object');
  await wd.type('#obj-name', 'Пандус у входа (ADA)');
  await wd.select('#obj-category', 'culture');
  await wd.select('#obj-district', 'medeu');
  await wd.click('#save-object');
  await wd.waitFor('#object-title', { text: 'ADA' });
  await wd.select('#element-kind', 'ramp');
  await wd.type('#m-rise_mm', '450');
  await wd.type('#m-run_mm', '4500');
  await wd.type('#m-width_mm', '1000');
  const slope = '#preview-results li[data-rule="ada-405.2-ramp-running-slope"]';
  const failing = await wd.waitFor(`${slope}[data-outcome="fail"]`);
  assert.match(await wd.text(failing), /405\.2/, 'the clause is cited');
  assert.match(await wd.text(failing), /1:12/, 'the required value is shown');
  await axe('the element form with a failing rule');
  await wd.type('#m-run_mm', '5400');
  await wd.waitFor(`${slope}[data-outcome="pass"]`);
  // Lengths may be typed in centimetres: 91 cm is 910 mm, under ADA's 915 mm.
  const width = '#preview-results li[data-rule="ada-405.5-ramp-clear-width"]';
  await wd.select('#u-width_mm', 'cm');
  await wd.type('#m-width_mm', '91');
  await wd.waitFor(`${width}[data-outcome="fail"]`, { text: '910' });
  await wd.type('#m-width_mm', '92,5');
  await wd.waitFor(`${width}[data-outcome="pass"]`, { text: '925' });
  await wd.click('#add-element');
  // A ramp alone is no evidence about the approach or the inside: К is
  // "not assessed", never "accessible".
  await wd.waitFor('#category-statuses [data-category="K"][data-status="NA"]');
  // Editing the saved ramp back to a steep run fails it, and К becomes not accessible.
  await wd.type('#element-list input[data-measure="run_mm"]', '4000');
  await wd.click('#element-list .save-measure');
  await wd.waitFor('#element-list li.rule[data-rule="ada-405.2-ramp-running-slope"][data-outcome="fail"]');
  await wd.waitFor('#category-statuses [data-category="K"][data-status="VND"]');
  await wd.waitFor('#map-status[data-status="not_accessible"]');
  // The fix is typed in metres: 5,4 m is 5400 mm, exactly 1:12.
  await wd.select('#element-list select[data-unit-for="run_mm"]', 'm');
  await wd.type('#element-list input[data-measure="run_mm"]', '5,4');
  await wd.click('#element-list .save-measure');
  await wd.waitFor('#element-list li.rule[data-rule="ada-405.2-ramp-running-slope"][data-outcome="pass"]');
  await wd.waitFor('#category-statuses [data-category="K"][data-status="NA"]');
  await axe('the object page with verdicts');
  // Deleting the ramp asks first, then removes it (a tombstone that syncs).
  await wd.click('#element-list .delete-element');
  await acceptAlert();
  const until = Date.now() + 15000;
  while ((await wd.findAll('#element-list li.element')).length > 0) {
    assert.ok(Date.now() < until, 'the element disappears');
    await new Promise((r) => setTimeout(r, 150));
  }
  // An element kind the NGO added as a file (fixtures/checklists-ngo), with
  // no recompiling: its form is rendered from the file.
  await wd.select('#element-kind', 'platform_lift');
  await wd.waitFor('label[for="m-platform_width_mm"]', { text: 'Ширина площадки' });
  await wd.type('#m-platform_width_mm', '900');
  await wd.click('#add-element');
  await waitValue('#element-list li.element input[data-measure="platform_width_mm"]', '900');
  await wd.waitFor('#element-list li.element h3', { text: 'Подъёмная платформа' });
});

test('norms: under СП РК 3.06-101 a ramp of 8 % fails 4.3.2.30, 5 % passes, and vision is not assessed until the tactile strip is measured', async () => {
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'СП РК');
  await wd.click('#new-object');
  await wd.type('#obj-name', 'Пандус у входа (СП РК)');
  await wd.select('#obj-category', 'government');
  await wd.select('#obj-district', 'almaly');
  await wd.click('#save-object');
  await wd.waitFor('#object-title', { text: 'СП РК' });
  // Nothing recorded: every category is "not assessed", none "accessible".
  await wd.waitFor('#category-statuses [data-category="K"][data-status="NA"]');
  // A 150 mm step at the entrance and no ramp yet: a barrier (4.3.2.5).
  await wd.select('#element-kind', 'entrance');
  await wd.select('#m-has_step', 'true');
  await wd.type('#m-step_height_mm', '150');
  await wd.select('#m-has_grating', 'false');
  await wd.click('#add-element');
  await wd.waitFor('#category-statuses [data-category="K"][data-status="VND"]');
  await wd.select('#element-kind', 'ramp');
  // The ramp serves that entrance: its step stops being a barrier, and only its.
  const entrance = await wd.exec(`return document.querySelector('#element-serves option:nth-child(2)').value`, []);
  await wd.select('#element-serves', entrance);
  // 8 % typed in per cent (the default unit of a slope), rising 0,5 m, on
  // a site not recorded as cramped: the 5 % of 4.3.2.30 holds.
  await wd.type('#m-slope_permille', '8');
  await wd.select('#u-rise_mm', 'm');
  await wd.type('#m-rise_mm', '0,5');
  const slope = '#preview-results li[data-rule="kz-4.3.2.30-ramp-slope"]';
  const failing = await wd.waitFor(`${slope}[data-outcome="fail"]`);
  assert.match(await wd.text(failing), /4\.3\.2\.30/, 'the clause is cited');
  assert.match(await wd.text(failing), /номер выведен/, 'an inferred clause number is marked as such');
  assert.match(await wd.text(failing), /8 %/, 'the value shows as it was typed');
  await wd.waitFor('#preview-summary li[data-category="K"][data-state="fail"]');
  await wd.type('#m-slope_permille', '5');
  await wd.waitFor(`${slope}[data-outcome="pass"]`);
  // What vision needs at the ramp: upstands and handrails.
  await wd.type('#m-upstand_height_mm', '50');
  await wd.select('#m-handrails_both_sides', 'true');
  await wd.type('#m-handrail_extension_mm', '300');
  await wd.click('#add-element');
  await wd.waitFor('#element-list li.rule[data-rule="kz-4.3.2.30-ramp-slope"][data-outcome="pass"]');
  await wd.waitFor('#element-list li.rule[data-rule="kz-4.3.2.5-entrance-step"][data-outcome="not_applicable"]');
  // No element of the information zone yet: vision is "not assessed", and says where to record.
  const s = await wd.waitFor('#category-statuses [data-category="S"][data-status="NA"]');
  assert.match(await wd.text(s), /Информация|информ/i, 'the missing zone is named');
  const next = await wd.waitFor('.to-measure[data-category="K"]');
  assert.match(await wd.text(next), /Пандус: /, 'what to measure next names the element and the field');
  await axe('the object page with a category not assessed');
  await wd.select('#element-kind', 'tactile_navigation');
  await wd.select('#m-present', 'true');
  await wd.type('#m-distance_to_stairs_mm', '700');
  await wd.type('#m-strip_depth_mm', '400');
  await wd.click('#add-element');
  await wd.waitFor('#category-statuses [data-category="S"][data-status="DP"]');
  // A wheelchair user still has no evidence about the approach or the inside.
  await wd.waitFor('#category-statuses [data-category="K"][data-status="NA"]');
});

/** Presses Sync and waits for that run to finish (the button is disabled
 *  while a sync runs) and to have succeeded. */
async function syncAndWait() {
  await wd.click('#sync-button');
  const until = Date.now() + 30000;
  while (await wd.exec(`return document.querySelector('#sync-button').disabled`)) {
    assert.ok(Date.now() < until, 'the sync finishes');
    await new Promise((r) => setTimeout(r, 150));
  }
  await wd.waitFor('#sync-phase[data-phase="done"]');
  assert.equal(await wd.text(await wd.find('#error')), '', 'the sync succeeded');
}

/** The text of the open alert or confirm dialog. */
async function alertText(timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await wd.cmd('GET', '/alert/text');
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function acceptAlert(timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await wd.cmd('POST', '/alert/accept', {});
      return;
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('6. the dashboard lists and maps the new object with its elements and photo thumbnails', async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = `http://127.0.0.1:${serverPort}/`;
    await page.goto(dashboardUrl(base));
    await page.fill('#login', 'coordinator');
    await page.fill('#password', 'not the password');
    await page.click('#sign-in');
    await page
      .getByRole('alert')
      .filter({ hasText: /пароль/i })
      .waitFor();
    await runAxe(page, 'the dashboard sign-in');
    await page.fill('#password', DEMO_PASSWORD);
    await page.click('#sign-in');
    const row = page.locator('#objects tbody tr', { hasText: OBJECT_NAME });
    await row.waitFor();
    assert.equal(await page.locator('#objects tbody tr').count(), 37);
    await page.locator('#map-legend', { hasText: ': 37' }).waitFor(); // the map shows every object
    await runAxe(page, 'the dashboard object list');
    // The objects export downloads as a CSV that starts with a BOM; the new
    // object's audit is not approved, so the coordinator asks for drafts.
    await page.check('#export-drafts');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.export[href*="objects.csv"]')]);
    const csvText = readFileSync(await download.path(), 'utf8');
    assert.ok(csvText.startsWith('\uFEFF') && csvText.includes(OBJECT_NAME), 'the new object is in the CSV export');
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

    // Two devices changed a demo object's address without seeing each other.
    await pushConcurrentAddresses();
    await page.goto(dashboardUrl(base));
    await page.click('#conflicts-link');
    const conflict = page.locator('.conflict');
    await conflict.first().waitFor();
    assert.equal(await conflict.count(), 1);
    assert.match(await conflict.first().innerText(), /ул\. Первая, 1/);
    assert.match(await conflict.first().innerText(), /ул\. Вторая, 2/);
    await runAxe(page, 'the dashboard conflicts page');
    await page.click('.conflict .keep-earlier');
    await page.locator('#no-conflicts').waitFor();

    // Enrolling a phone: a one-time code, shown as text and as a QR code.
    await page.click('#devices-link');
    await page.fill('#enroll-login', 'auditor');
    await page.click('#create-enrollment');
    await page.locator('#enrollment-code').waitFor();
    assert.match(await page.locator('#enrollment-code').innerText(), /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}$/);
    assert.match(await page.locator('img.qr').getAttribute('src'), /^data:image\/png;base64,/, 'the QR code is drawn');
    assert.match(await page.locator('#enrollment-link').innerText(), /^qadam:\/\/enroll\?server=/);
    await runAxe(page, 'the dashboard devices page');
  } finally {
    await browser.close();
  }
});

test('the coordinator works through the review queue; a request for changes reaches the app on its element', async () => {
  // The auditor submits the audit of the object recorded offline.
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await clickText('#object-list li button', OBJECT_NAME);
  // The object's own page, not the list's or another object's (commands
  // answer concurrently: wait for what is shown, not for time).
  await wd.waitFor('#object-title', { text: OBJECT_NAME });
  await wd.click('#submit-audit');
  // Checks are still unmeasured: the app names them and asks first.
  const question = await alertText().catch(async (e) => {
    const said = async (sel) => wd.text(await wd.find(sel)).catch(() => '');
    throw new Error(`no question before submitting (${e.message}); the app says: ${await said('#error')} ${await said('#status')}`);
  });
  assert.match(question, /Не измерено значений: \d+/, question);
  await acceptAlert();
  await wd.waitFor('.audit[data-status="submitted"]');
  await syncAndWait();

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = `http://127.0.0.1:${serverPort}/`;
    await signIn(page, base);
    // From the object's page, its open review is one link away.
    const points = await (await page.request.get(base + 'api/v1/map')).json();
    await page.goto(dashboardUrl(base) + `#/object/${points.find((p) => p.name === OBJECT_NAME).id}`);
    await page.click('.open-review');
    await page.locator('#review-title').waitFor();
    await page.click('#queue-link');
    await page.locator('#queue tbody tr').first().waitFor();
    await runAxe(page, 'the review queue');
    const rows = page.locator('#queue tbody tr');
    const before = await rows.count();
    assert.ok(before >= 4, `the demo audits and the new one wait: ${before}`);
    // Oldest first: the demo audits (June 2025) before the one submitted now.
    assert.match(await rows.last().innerText(), new RegExp(OBJECT_NAME));
    // Filters: by district, then by state.
    await page.selectOption('#q-district', 'almaly');
    await page.waitForFunction(() => [...document.querySelectorAll('#queue tbody tr')].every((r) => r.innerText.includes('Алмалинский')));
    await page.selectOption('#q-district', '');

    // Send the new audit back with a comment on its ramp.
    await page.locator('#queue tbody tr', { hasText: OBJECT_NAME }).getByRole('link').click();
    await page.locator('#review-title').waitFor();
    await runAxe(page, 'an audit under review');
    assert.equal(await page.locator('img.full').count(), 2, 'photos full size');
    await page.click('#start-review');
    await page.locator('#audit-status[data-status="in_review"]').waitFor();
    await page.click('#request-changes');
    await page.locator('#comment-error').waitFor(); // a comment is required to send back
    await page.selectOption('#review-element', { label: 'Пандус' });
    await page.fill('#review-comment', 'Перемерьте уклон пандуса: нужен замер длины марша');
    await page.click('#request-changes');
    await page.locator('#audit-status[data-status="changes_requested"]').waitFor();
    await page.locator('#audit-history li', { hasText: 'Перемерьте уклон' }).waitFor();
    assert.ok((await page.locator('#audit-history li').count()) >= 4, 'draft, submitted, in review, changes requested');

    // Approve the oldest demo audit, reject the next with a reason.
    await page.click('#queue-link');
    await page.locator('#queue tbody tr').first().getByRole('link').click();
    await page.click('#approve');
    await page.locator('#audit-status[data-status="approved"]').waitFor();
    await page.click('#queue-link');
    await page.locator('#queue tbody tr').first().getByRole('link').click();
    await page.fill('#review-comment', 'Объект закрыт на ремонт: аудит недействителен');
    await page.click('#reject');
    await page.locator('#audit-status[data-status="rejected"]').waitFor();
    await page.click('#queue-link');
    await page.waitForFunction((n) => document.querySelectorAll('#queue tbody tr').length === n, before - 3);
    await page.selectOption('#q-status', 'rejected');
    // The table refills when the server answers: wait for the filtered rows.
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('#queue tbody tr')];
      return rows.length > 0 && rows.every((r) => r.dataset.status === 'rejected');
    });
    assert.equal(await page.locator('#queue tbody tr').count(), 1);

    // The app learns of it on its next sync, on the ramp.
    await syncAndWait();
    await clickText('nav button', 'Кампании');
    await clickText('.cards .card', 'Демо');
    // "Sent back to me" lists just this auditor's audit the coordinator sent back.
    await wd.click('#filter-sent_back');
    await wd.waitFor('#object-list li[data-status="changes_requested"]');
    const sentBack = await wd.exec(`return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent)`);
    assert.deepEqual(sentBack, [OBJECT_NAME], 'only the audit sent back to this auditor');
    await axe('the objects sent back to me');
    await clickText('#object-list li button', OBJECT_NAME);
    await wd.waitFor('.review-note h2');
    await wd.waitFor('.element-review', { text: 'Перемерьте уклон' });
    await axe('the object page with a request for changes');
    // Corrected and resubmitted, the audit is back in the queue.
    await wd.type('#element-list li.element input[data-measure="run_mm"]', '5600');
    await clickText('#element-list .save-measure', '');
    await wd.click('#submit-audit');
    await acceptAlert();
    await wd.waitFor('.audit[data-status="submitted"]');
    await syncAndWait();
    await page.selectOption('#q-status', '');
    await page.locator('#queue tbody tr', { hasText: OBJECT_NAME }).waitFor();
  } finally {
    await browser.close();
  }
});

/** Nothing on the page is wider than the window (no sideways scrolling). */
async function assertNoOverflow(label) {
  const wide = await wd.exec(`
    const w = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > w + 1 && !e.closest('.leaflet-pane, .leaflet-control-container'))
      .slice(0, 5)
      .map((e) => e.tagName + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.') + ' ' + Math.round(e.getBoundingClientRect().right) + '>' + w);
  `);
  assert.deepEqual(wide, [], `${label}: elements wider than the window`);
}

test('on a phone-sized window: search, edit and delete an object with undo, a photo full size and deleted', async () => {
  await wd.setSize(390, 844);
  try {
    await clickText('nav button', 'Кампании');
    await assertNoOverflow('the campaigns at 390 px');
    await clickText('.cards .card', 'Демо');
    await wd.waitFor('h1', { text: 'Демо' });
    const state = await wd.exec(
      `return { filter: document.querySelector('input[name="object-filter"]:checked')?.value, search: document.querySelector('#object-search').value,
                count: document.querySelector('#object-count').textContent, items: document.querySelectorAll('#object-list li').length }`,
    );
    assert.equal(state.filter, 'all', JSON.stringify(state));
    await waitCount('#object-list li', 36).catch(async (e) => {
      const seen = await wd.exec(
        `return { h1: document.querySelector('h1').textContent, count: document.querySelector('#object-count').textContent,
                  near: document.querySelector('#only-near')?.checked, names: [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent),
                  cards: [...document.querySelectorAll('.cards .card')].length }`,
      );
      throw new Error(`${e.message}: ${JSON.stringify(seen)}`);
    });
    await assertNoOverflow('the objects at 390 px');
    await keepScreenshot('app-objects', () => wd.screenshot());
    // Search by a part of the name or address, in any case.
    await wd.type('#object-search', 'ПОЛИКЛИНИКА');
    const until = Date.now() + 15000;
    let names = [];
    for (;;) {
      names = await wd.exec(`return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent)`);
      if (names.length < 36 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(names.includes(OBJECT_NAME), `found: ${names}`);
    assert.ok(
      names.every((n) => n.toLocaleLowerCase().includes('поликлиника')),
      `only what matches: ${names}`,
    );
    await wd.type('#object-search', '');
    await waitCount('#object-list li', 36);

    // The object's page: a photo full size, then one deleted after a question.
    await clickText('#object-list li button', OBJECT_NAME);
    await wd.waitFor('#object-title', { text: OBJECT_NAME });
    await assertNoOverflow('the object page at 390 px');
    await keepScreenshot('app-object', () => wd.screenshot());
    await axe('the object page at 390 px');
    await wd.click('.photos .thumb-button');
    await wd.waitFor('dialog.photo-view[open] img');
    const full = await wd.exec(`const i = document.querySelector('dialog.photo-view img'); return [i.naturalWidth, i.naturalHeight]`);
    // entrance-gps.jpg is 1200×900: the copy is never enlarged to 1600 px.
    assert.deepEqual(full, [1200, 900], `the stored copy, full size: ${full}`);
    await axe('a photo full size');
    // A caption says what it shows; it is kept with the photo and shown under it.
    await wd.type('#photo-caption', 'Порог бокового входа, 4 см');
    await wd.click('#save-caption');
    await wd.waitFor('.photos figcaption.caption', { text: 'Порог бокового входа, 4 см' });
    await wd.waitFor('#status', { text: 'Подпись сохранена' });
    const photos = (await wd.findAll('.delete-photo')).length;
    await wd.click('.delete-photo');
    await acceptAlert();
    await wd.waitFor('#status', { text: 'Удалено' });
    assert.equal((await wd.findAll('.delete-photo')).length, photos - 1, 'one photo fewer');

    // Another object edited: name and address.
    await clickText('nav button', 'Кампании');
    await clickText('.cards .card', 'Демо');
    const other = await wd.exec(
      `return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent).find((n) => n !== arguments[0] && !n.includes('<'))`,
      [OBJECT_NAME],
    );
    await clickText('#object-list li button', other);
    await wd.waitFor('#object-title', { text: other });
    await wd.click('#edit-object');
    const renamed = 'Переименовано в поле E2E';
    await wd.type('#edit-name', renamed);
    await wd.type('#edit-address', 'ул. Новая, 5');
    await axe('editing an object');
    await wd.click('#save-object-edit');
    await wd.waitFor('#object-title', { text: renamed });

    // Deleted after a question, then brought back with Undo.
    await wd.click('#delete-object');
    await acceptAlert();
    await wd.waitFor('#undo-delete');
    await waitCount('#object-list li', 35);
    const left = await wd.exec(`return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent)`);
    assert.ok(!left.includes(renamed), 'the deleted object is gone from the list');
    await wd.click('#undo-delete');
    await wd.waitFor('#status', { text: 'Восстановлено' });
    const back = await wd.exec(`return [...document.querySelectorAll('#object-list li strong')].map((s) => s.textContent)`);
    assert.ok(back.includes(renamed), 'Undo brings the object back to the list');
    assert.equal(back.length, left.length + 1);

    // All of it reaches the server: the new name, the deletion and its undo.
    await syncAndWait();
    await serverHas('name', renamed);
    const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/pull?since=0&limit=5000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const changes = (await r.json()).changes.map((c) => c.change);
    const id = changes.find((c) => c.field === 'name' && c.value === renamed).entity_id;
    const deletions = changes.filter((c) => c.entity_id === id && c.field === 'deleted').map((c) => c.value);
    assert.deepEqual(deletions, [true, false], 'deleted, then brought back, in that order');
    assert.deepEqual(
      changes
        .filter((c) => c.entity_id === id && c.field === 'address')
        .map((c) => c.value)
        .slice(-1),
      ['ул. Новая, 5'],
    );

    // The main screens at the smallest phone width, 360×740: nothing wider.
    await wd.setSize(360, 740);
    await clickText('nav button', 'Кампании');
    await assertNoOverflow('the campaigns at 360 px');
    await clickText('.cards .card', 'Демо');
    await wd.waitFor('#object-list li');
    await assertNoOverflow('the objects at 360 px');
    await clickText('#object-list li button', OBJECT_NAME);
    await wd.waitFor('#object-title', { text: OBJECT_NAME });
    await assertNoOverflow('the object page at 360 px');
    await clickText('nav button', 'Кампании');
    await clickText('.cards .card', 'Демо');
    await wd.click('#new-object');
    await wd.waitFor('#obj-name');
    await assertNoOverflow('the new-object form at 360 px');
    await clickText('nav button', 'Настройки');
    await wd.waitFor('#set-lang');
    await assertNoOverflow('the settings at 360 px');
  } finally {
    await wd.setSize(1280, 1024).catch(() => {});
  }
});

/** Waits until the server holds a change of `field` to `value`. */
async function serverHas(field, value, timeoutMs = 45000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/pull?since=0&limit=5000`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    }).catch(() => null);
    if (r?.ok) {
      const page = await r.json();
      if (page.changes.some((c) => c.change.field === field && c.change.value === value)) return;
    }
    if (Date.now() > until) throw new Error(`the server never got ${field} = ${value}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

async function setAutoSync(on) {
  await clickText('nav button', 'Настройки');
  const box = await wd.waitFor('#set-autosync');
  if ((await wd.exec(`return document.querySelector('#set-autosync').checked`)) !== on) await wd.clickElement(box);
  await wd.click('#save-settings');
  await wd.waitFor('#status', { text: (s) => s.length > 0 });
}

async function editRise(mm) {
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await clickText('#object-list li button', OBJECT_NAME);
  const input = '#element-list li.element input[data-measure="rise_mm"]';
  await wd.waitFor(input);
  await wd.type(input, String(mm));
  const form = await wd.exec(
    `const f = document.querySelector(arguments[0]).closest('form'); return [...document.querySelectorAll('#element-list form')].indexOf(f)`,
    [input],
  );
  const buttons = await wd.findAll('#element-list .save-measure');
  await wd.clickElement(buttons[form]);
  await waitValue(input, String(mm));
}

test('a value typed and not saved yet stays when a sync ends and the page reads the object again', async () => {
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await clickText('#object-list li button', OBJECT_NAME);
  const input = '#element-list li.element input[data-measure="rise_mm"]';
  await wd.waitFor(input);
  const saved = await wd.exec(`return document.querySelector(arguments[0]).value`, [input]);
  await wd.type(input, '452');
  // The sync reads the object again when it ends (the page reloads).
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  await wd.waitFor('#sync-button:not([disabled])');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await wd.exec(`return document.querySelector(arguments[0]).value`, [input]), '452', 'what was typed is still there');
  assert.notEqual(saved, '452');
  await wd.type(input, saved);
});

test('the app syncs by itself after an edit, and again when the server is back', async () => {
  await setAutoSync(true);
  await axe('the settings screen');
  await editRise(455);
  await serverHas('measurements.rise_mm', 455);
  // The server goes away; the next edit waits, and arrives once it is back.
  await stop(server);
  await editRise(460);
  await wd.waitFor('#autosync-status', { text: 'следующая попытка', timeoutMs: 30000 });
  server = await startServer({ dir: serverDir, port: serverPort, demo: false });
  await serverHas('measurements.rise_mm', 460);
  await wd.waitFor('#pending', { text: (s) => /\b0\b.*\b0\b/.test(s), timeoutMs: 20000 });
  await setAutoSync(false);
});

test('a change the server refuses for itself is held back on the phone with its reason, and sent again once allowed', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const campaigns = await (await fetch(`http://127.0.0.1:${serverPort}/api/v1/campaigns`, { headers: auth })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  const member = `http://127.0.0.1:${serverPort}/api/v1/campaigns/${demo.id}/members/auditor`;
  // The auditor is taken out of the demo campaign while her phone holds an edit of it.
  assert.equal((await fetch(member, { method: 'DELETE', headers: auth })).status, 204);
  await editRise(470);
  await wd.click('#sync-button');
  await wd.waitFor('#held-back li[data-code="forbidden"]', { text: 'rise_mm', timeoutMs: 30000 });
  await wd.waitFor('#sync-button:not([disabled])');
  assert.match(await wd.text(await wd.find('#held-back-title')), /не принял 1 изменение/);
  await wd.waitFor('#pending', { text: (s) => /\b0\b.*\b0\b/.test(s) });
  await axe('the changes the server refused');
  // A member again, she sends it again: it lands, and the notice goes.
  const again = await fetch(member, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/json' },
    body: '{"role":"auditor"}',
  });
  assert.equal(again.status, 200);
  await wd.click('#held-back-again');
  await serverHas('measurements.rise_mm', 470);
  for (const until = Date.now() + 15000; (await wd.findAll('#held-back')).length > 0; await new Promise((r) => setTimeout(r, 200))) {
    assert.ok(Date.now() < until, 'the notice goes once nothing is held back');
  }
});

test('a revoked device is refused with a clear reason and keeps what it recorded', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const devices = await (await fetch(`http://127.0.0.1:${serverPort}/api/v1/devices`, { headers: auth })).json();
  const phone = devices.find((d) => d.name === 'E2E phone');
  assert.ok(phone, `the app's device is listed: ${JSON.stringify(devices)}`);
  const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/devices/${phone.id}/revoke`, { method: 'POST', headers: auth });
  assert.equal(r.status, 200);
  const before = await wd.text(await wd.find('#pending'));
  await wd.click('#sync-button');
  await wd.waitFor('#error', { text: 'отключил' });
  assert.equal(await wd.text(await wd.find('#pending')), before, 'nothing unsynced is dropped');
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await waitCount('#object-list li', 37);
});

async function pushConcurrentAddresses() {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const pull = await (await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/pull?since=0&limit=5000`, { headers: auth })).json();
  const object = pull.changes.find((c) => c.change.entity === 'object' && c.change.field === 'address').change.entity_id;
  const cursor = pull.next_cursor;
  const now = Date.now();
  const write = (n, device, value) => ({
    op_id: `019a0000-0000-7000-8000-0000000c${String(n).padStart(4, '0')}`,
    entity: 'object',
    entity_id: object,
    field: 'address',
    value,
    hlc: `${String(now + n).padStart(15, '0')}-000000`,
    device_id: device,
    seen_cursor: cursor,
  });
  for (const [n, device, value] of [
    [1, 'e2e-device-a', 'Алматы, ул. Первая, 1'],
    [2, 'e2e-device-b', 'Алматы, ул. Вторая, 2'],
  ]) {
    const r = await fetch(`http://127.0.0.1:${serverPort}/api/v1/sync/push`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: device, changes: [write(n, device, value)] }),
    });
    assert.equal(r.status, 200, await r.text());
  }
}
