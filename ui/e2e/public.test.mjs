// The public map and place pages in headless Debian Chromium, signed in
// nowhere: a resident picks who they are, switches language, searches,
// opens a place, reports a change; the coordinator then finds the report
// in the queue. Axe on each public page, at desktop and phone size; the
// open datasets read by independent parsers; the first view's weight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import { check as checkGeojson } from '@placemarkio/check-geojson';
import { getPlaceInfoSchemaDefinition } from '@sozialhelden/a11yjson';
import SimpleSchema from '@sozialhelden/simpl-schema';
import {
  ROOT,
  TOKEN,
  tempDir,
  freePort,
  startServer,
  stop,
  runAxe,
  launchChromium,
  signIn,
  dashboardUrl,
  sampleBasemap,
  assertFitsWidth,
  keepScreenshot,
} from './harness.mjs';

const EN = JSON.parse(readFileSync(`${ROOT}/ui/src/locales/en.json`, 'utf8'));
const KK = JSON.parse(readFileSync(`${ROOT}/ui/src/locales/kk.json`, 'utf8'));

let dir, port, server, browser, base, approved;

const api = (path, init = {}) =>
  fetch(`http://127.0.0.1:${port}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

before(async () => {
  dir = tempDir('qadam-public-');
  port = await freePort();
  server = await startServer({ dir, port, basemap: sampleBasemap(dir) });
  base = `http://127.0.0.1:${port}/`;
  // A coordinator approves three of the demo's submitted audits; the rest
  // stay in the queue and must never reach the public.
  const queue = await (await api('/reviews')).json();
  approved = queue.slice(0, 3).map((i) => i.object);
  for (const i of queue.slice(0, 3)) {
    const r = await api(`/audits/${i.audit.id}/review`, { method: 'POST', body: JSON.stringify({ action: 'approve' }) });
    assert.equal(r.status, 200, await r.text());
  }
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stop(server);
});

/** The names the list beside the map shows, with their status index. */
async function listed(page) {
  return page.$$eval('#pm-places li', (lis) =>
    lis.map((li) => [li.querySelector('a').textContent.trim(), Number(li.querySelector('.st').dataset.status)]),
  );
}

test('a resident finds, reads and reports on an approved place, and the coordinator sees the report', async () => {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    geolocation: { latitude: approved[0].location.lat_deg, longitude: approved[0].location.lon_deg },
    permissions: ['geolocation'],
    locale: 'en-US',
  });
  const page = await context.newPage();
  let bytes = 0;
  page.on('requestfinished', async (r) => {
    const sizes = await r.sizes().catch(() => null);
    if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
  });
  const res = await page.goto(base);
  assert.match(res.headers()['content-security-policy'], /frame-ancestors 'none'/);
  await page.locator('#pm-places li').first().waitFor();
  await page.waitForLoadState('networkidle');
  assert.ok(bytes < 1_000_000, `the first view weighs ${bytes} bytes`);

  // Approved places only, each coloured for wheelchair users by default.
  const names = (await listed(page)).map(([n]) => n).sort();
  assert.deepEqual(names, approved.map((o) => o.name).sort());
  const map = await (await fetch(base + 'api/v1/public/map?zoom=18')).json();
  const letterOf = (name, need) => map.places.find((p) => p[3] === name)[4][need];
  const LETTERS = ['F', 'P', 'C', 'N', 'X'];
  for (const [name, s] of await listed(page)) assert.equal(LETTERS[s], letterOf(name, 0), name);
  await runAxe(page, 'the public map');
  await keepScreenshot('public-map', () => page.screenshot());

  // Blind or low vision: the same places, coloured for that need.
  await page.check('#need-S');
  await page.waitForFunction(
    (want) => [...document.querySelectorAll('#pm-places li .st')].map((s) => s.dataset.status).join() === want,
    (await listed(page)).map(([name]) => LETTERS.indexOf(letterOf(name, 2))).join(),
  );

  // Kazakh, then English again.
  await page.selectOption('#site-lang', 'kk');
  await page.locator('#pm-title', { hasText: KK['pub.title'] }).waitFor();
  await page.selectOption('#site-lang', 'en');
  await page.locator('#pm-title', { hasText: EN['pub.title'] }).waitFor();

  // Near me: the map moves to the resident's position (granted above).
  await page.click('#near-me');
  await page.locator('p[role="status"]', { hasText: EN['pub.near_done'] }).waitFor();

  // Search by a word of a name.
  const target = approved[0];
  await page.fill('#pm-q', target.name);
  await page.click('#pm-search');
  await page.locator('#search-hits a', { hasText: target.name }).first().waitFor();
  await page.locator('#search-hits a', { hasText: target.name }).first().click();

  // The place's page, at a stable address.
  await page.waitForURL(base + `place/${target.id}`);
  await page.locator('#place-name', { hasText: target.name }).waitFor();
  assert.equal(await page.locator('#place-needs tbody tr').count(), 5);
  const place = await (await fetch(base + `api/v1/public/places/${target.id}`)).json();
  const shown = await page.$$eval('#place-needs tbody tr', (rows) => rows.map((r) => r.dataset.status).join(''));
  const STATUS = { DP: 'F', DCH: 'P', DU: 'C', VND: 'N', NA: 'X' };
  assert.equal(shown, place.statuses.map((s) => STATUS[s]).join(''));
  await runAxe(page, 'a public place page');
  // Reloading the address opens the same page.
  await page.reload();
  await page.locator('#place-name', { hasText: target.name }).waitFor();

  // Report a change, as typed, markup and all.
  const report = `The ramp was removed <img src=x onerror=alert(1)> ${Date.now()}`;
  await page.fill('#report-text', report);
  await page.click('#report-send');
  await page.locator('#report-status', { hasText: EN['pub.report_sent'] }).waitFor();
  await context.close();

  // The coordinator finds it beside the review queue, shown as text.
  const coordinator = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  let dialogs = 0;
  coordinator.on('dialog', (d) => (dialogs++, d.dismiss()));
  await signIn(coordinator, base);
  await coordinator.click('#queue-link');
  const row = coordinator.locator('#reports-table tr', { hasText: report });
  await row.waitFor();
  assert.equal(await row.locator('.report-text').textContent(), report);
  assert.equal(await row.locator('a').textContent(), target.name);
  await runAxe(coordinator, 'the queue with residents’ reports');
  await row.locator('.close-report').click();
  await row.locator('.close-report').waitFor({ state: 'detached' });
  assert.equal(dialogs, 0);

  // A photo of the place, taken with the phone's position in its EXIF:
  // hidden from the public until the coordinator ticks its box.
  const jpeg = readFileSync(`${ROOT}/fixtures/photos/entrance-gps.jpg`);
  const sha = createHash('sha256').update(jpeg).digest('hex');
  const up = await fetch(base + `api/v1/photos/${sha}`, { method: 'PUT', headers: { authorization: `Bearer ${TOKEN}` }, body: jpeg });
  assert.ok(up.ok, await up.text());
  const photo = randomUUID();
  const now = Date.now();
  const changes = [
    ['object_id', target.id],
    ['subject', 'object'],
    ['sha256', sha],
    ['caption', 'Главный вход'],
  ].map(([field, value], n) => ({
    op_id: randomUUID(),
    entity: 'photo',
    entity_id: photo,
    field,
    value,
    hlc: `${String(now + n).padStart(15, '0')}-000000`,
    device_id: 'phone-e2e',
    seen_cursor: 0,
  }));
  const pushed = await api('/sync/push', { method: 'POST', body: JSON.stringify({ device_id: 'phone-e2e', changes }) });
  assert.equal(pushed.status, 200, await pushed.text());
  assert.equal((await fetch(base + `api/v1/public/photos/${sha}`)).status, 404, 'not public yet');
  await coordinator.goto(dashboardUrl(base) + `#/object/${target.id}`);
  await Promise.all([
    coordinator.waitForResponse((r) => r.url().endsWith(`/photos/${photo}/public`) && r.ok()),
    coordinator.locator('.photo-public').check(),
  ]);
  await coordinator.close();

  const resident = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await resident.goto(base + `place/${target.id}`);
  await resident.locator('#place-photos img[alt="Главный вход"]').waitFor();
  await resident.waitForFunction(() => [...document.querySelectorAll('#place-photos img')].every((i) => i.complete && i.naturalWidth > 0));
  await runAxe(resident, 'a public place page with a photo');
  const served = Buffer.from(await (await fetch(base + `api/v1/public/photos/${sha}`)).arrayBuffer());
  assert.equal(served.includes(Buffer.from('Exif')), false, 'served without its EXIF');
  await resident.close();
});

test('the public pages fit a phone, say nothing of unapproved places, and only /embed may be framed', async () => {
  const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await page.goto(base);
  await page.locator('#pm-places li').first().waitFor();
  await assertFitsWidth(page, 'the public map at 360×740');
  await runAxe(page, 'the public map at 360×740');
  await page.goto(base + `place/${approved[1].id}`);
  await page.locator('#place-name').waitFor();
  await assertFitsWidth(page, 'a place at 360×740');
  await runAxe(page, 'a place at 360×740');

  // An unapproved place is "not found", in the page's words.
  const queue = await (await api('/reviews')).json();
  await page.goto(base + `place/${queue[0].object.id}`);
  await page.locator('h1', { hasText: /не найдено|not found|табылмады/i }).waitFor();
  assert.equal(
    await page
      .locator('body')
      .textContent()
      .then((t) => t.includes(queue[0].object.name)),
    false,
  );

  // The widget: framable, scoped to a district.
  const district = approved[0].district;
  await page.setViewportSize({ width: 1000, height: 800 });
  const r = await page.goto(base + `embed?district=${district}&lang=en`);
  const csp = r.headers()['content-security-policy'];
  assert.match(csp, /frame-ancestors \*/);
  assert.equal(r.headers()['x-frame-options'], undefined);
  await page.locator('#public-map').waitFor();
  await page.locator('#pm-places li').first().waitFor();
  const inDistrict = approved
    .filter((o) => o.district === district)
    .map((o) => o.name)
    .sort();
  assert.deepEqual((await listed(page)).map(([n]) => n).sort(), inDistrict);
  await runAxe(page, 'the embeddable map');
  await page.close();
});

test('the open datasets are read by independent parsers and carry the licence', async () => {
  const get = async (file) => {
    const r = await fetch(base + `api/v1/public/datasets/${file}`);
    assert.equal(r.status, 200, file);
    assert.match(r.headers.get('link'), /rel="license"/);
    return r.text();
  };
  const rows = parseCsv(await get('objects.csv'), { bom: true, columns: true });
  assert.deepEqual(rows.map((r) => r.name).sort(), approved.map((o) => o.name).sort());
  assert.ok(rows.every((r) => r.licence === 'CC-BY-4.0 https://creativecommons.org/licenses/by/4.0/'));
  const geojson = checkGeojson(await get('objects.geojson'));
  assert.equal(geojson.features.length, approved.length);
  const places = JSON.parse(await get('objects.a11yjson'));
  const schema = new SimpleSchema(getPlaceInfoSchemaDefinition());
  for (const p of places) schema.validate(p);
  assert.equal(places.length, approved.length);
});
