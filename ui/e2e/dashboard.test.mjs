// The coordinator dashboard in headless Debian Chromium against a real
// qadam-server: the demo campaign plus a synthetic city campaign audited
// under the ADA rules (`qadam-server gen`). Every export is downloaded and
// read with a parser that is not ours; the map is filtered; the analytics
// tables download as CSV; a passport is printed to PDF and read back page
// by page (poppler's pdftotext); the import form reports bad rows; axe-core
// checks every page. Then a load check at Almaty's scale (24,365 objects).
// The review queue, conflicts and devices are walked in app.test.mjs, where
// the field app is running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { check as checkGeojson } from '@placemarkio/check-geojson';
import { XMLParser } from 'fast-xml-parser';
import { getPlaceInfoSchemaDefinition } from '@sozialhelden/a11yjson';
import SimpleSchema from '@sozialhelden/simpl-schema';
import {
  TOKEN,
  tempDir,
  freePort,
  startServer,
  stop,
  serverCli,
  runAxe,
  launchChromium,
  signIn,
  dashboardUrl,
  assertFitsWidth,
  sampleBasemap,
  DRAWN_BASEMAP_TILES,
  keepScreenshot,
} from './harness.mjs';

const CITY_OBJECTS = 300;
const CITY_SEED = 3;
let dir, port, server, browser, base, cityCampaign;

before(async () => {
  dir = tempDir('qadam-dashboard-');
  port = await freePort();
  server = await startServer({ dir, port, basemap: sampleBasemap(dir) });
  base = `http://127.0.0.1:${port}/`;
  // A city campaign under the ADA rules, coordinated by the demo coordinator.
  serverCli([
    'gen',
    '--db',
    join(dir, 'server.db'),
    '--objects',
    String(CITY_OBJECTS),
    '--seed',
    String(CITY_SEED),
    '--member',
    'coordinator:coordinator',
  ]);
  const campaigns = await (await fetch(base + 'api/v1/campaigns', { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  cityCampaign = campaigns.find((c) => c.rule_set === 'us-ada-2010').id;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stop(server);
});

/** A signed-in dashboard page; `watch(page)` runs before it loads (to
 *  hear every response from the start). */
async function coordinatorPage(viewport = { width: 1280, height: 900 }, watch = () => {}) {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  watch(page);
  await signIn(page, base);
  return page;
}

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return readFileSync(await d.path(), 'utf8');
}

test('the home page maps the campaign on the served basemap and filters the map; axe finds nothing at desktop and phone sizes', async () => {
  // The basemap's tiles come from the served archive by range requests and are drawn.
  const ranges = [];
  const page = await coordinatorPage(undefined, (p) =>
    p.on('response', (r) => {
      if (r.url().endsWith('/basemap.pmtiles')) ranges.push([r.status(), r.request().headers().range]);
    }),
  );
  for (const until = Date.now() + 20000; (await page.evaluate(DRAWN_BASEMAP_TILES)) === 0;) {
    assert.ok(Date.now() < until, 'basemap tiles are drawn');
    await page.waitForTimeout(200);
  }
  assert.ok(
    ranges.length > 1 && ranges.every(([status, range]) => status === 206 && /^bytes=\d+-\d+$/.test(range)),
    JSON.stringify(ranges),
  );
  assert.match(await page.locator('.leaflet-control-attribution').innerText(), /Qadam test data/, 'credited as the archive says');
  await page.selectOption('#campaign', cityCampaign);
  await page.waitForFunction((n) => document.querySelector('#map-legend')?.innerText.includes(n.toLocaleString('ru')), CITY_OBJECTS);
  await page.locator('.cluster').first().waitFor();
  const legend = async () => {
    const counts = await page.$$eval('#map-legend li[data-class] strong', (xs) => xs.map((x) => Number(x.textContent)));
    return counts.reduce((a, b) => a + b, 0);
  };
  assert.equal(await legend(), CITY_OBJECTS, 'the legend counts every object');
  await runAxe(page, 'the dashboard home with the city map');
  await keepScreenshot('dashboard-home', () => page.screenshot());
  // Filtering by district narrows map and legend alike.
  await page.selectOption('#map-district', 'medeu');
  await page.waitForFunction((n) => !document.querySelector('#map-legend').innerText.includes(`: ${n}`), CITY_OBJECTS);
  const medeu = await legend();
  assert.ok(medeu > 0 && medeu < CITY_OBJECTS, `Medeu holds part of the city: ${medeu}`);
  // Colouring by the vision category shows the four statuses of the method.
  await page.selectOption('#map-mode', '2');
  assert.equal(await page.locator('#map-legend li[data-class]').count(), 5, 'ДП, ДЧ, ДУ, ВНД and not assessed');
  assert.equal(await legend(), medeu);
  // Clusters carry their counts; none holds more than the filter shows.
  const clustered = await page.$$eval('.cluster span', (xs) => xs.map((x) => Number(x.textContent)));
  assert.ok(clustered.length > 0 && clustered.reduce((a, b) => a + b, 0) <= medeu, `${clustered}`);
  // Each cluster is coloured by its mix: the ring's shares add up to its count,
  // and a cluster of several statuses shows each of them.
  const checkRings = async () => {
    const mixes = await page.$$eval('.cluster .ring', (rs) =>
      rs.map((r) => [r.dataset.mix.split(',').map(Number), Number(r.textContent), getComputedStyle(r).backgroundImage]),
    );
    for (const [mix, count, image] of mixes) {
      assert.equal(
        mix.reduce((a, b) => a + b, 0),
        count,
      );
      assert.equal((image.match(/rgb\(/g) ?? []).length, 2 * mix.filter((n) => n > 0).length, `${mix}: ${image}`);
    }
    return mixes;
  };
  await checkRings();
  await page.selectOption('#map-mode', 'wheelchair');
  await page.selectOption('#map-district', '');
  const cityMixes = await checkRings();
  assert.ok(
    cityMixes.some(([mix]) => mix.filter((n) => n > 0).length > 1),
    'some cluster mixes statuses',
  );
  // The list pages through the objects.
  assert.equal(await page.locator('#objects tbody tr').count(), 100);
  await page.click('.pager button:last-child');
  await page.locator('.pager', { hasText: '101–200' }).waitFor();
  // The list by status: exactly the objects the API calls not accessible
  // for wheelchair users, by name, from the first page again.
  const points = await (await page.request.get(base + `api/v1/map?campaign=${cityCampaign}`)).json();
  const inaccessible = points
    .filter((p) => p.wheelchair === 'not_accessible')
    .map((p) => p.name)
    .sort(new Intl.Collator('ru').compare);
  assert.ok(inaccessible.length > 0 && inaccessible.length < points.length, `${inaccessible.length} of ${points.length}`);
  await page.selectOption('#status-filter', 'not_accessible');
  await page.waitForFunction(() => [...document.querySelectorAll('#objects tbody tr')].every((r) => r.dataset.status === 'not_accessible'));
  const listed = await page.$$eval('#objects tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
  assert.deepEqual(listed, inaccessible.slice(0, 100));
  await page.selectOption('#status-filter', '');
  await page.setViewportSize({ width: 360, height: 740 });
  await runAxe(page, 'the dashboard home at 360×740');
  // Nothing wider than the screen: the table scrolls in its own box.
  await assertFitsWidth(page, 'the dashboard home');
  await keepScreenshot('dashboard-home-phone', () => page.screenshot());
  await page.close();
});

test('every export downloads and reads with an independent parser', async () => {
  const page = await coordinatorPage();
  await page.selectOption('#campaign', cityCampaign);
  await page.locator(`a.export[href*="campaign=${cityCampaign}"]`).first().waitFor();

  // A selection: the map's district filter narrows the exports too.
  await page.selectOption('#map-district', 'medeu');
  const medeu = parseCsv(await download(page, 'a.export[href*="objects.csv"][href*="district=medeu"]'), { bom: true, columns: true });
  assert.ok(medeu.length > 0 && medeu.length < CITY_OBJECTS && medeu.every((o) => o.district === 'medeu'), `${medeu.length}`);
  await page.selectOption('#map-district', '');

  const objectsCsv = await download(page, 'a.export[href*="objects.csv"]');
  assert.ok(objectsCsv.startsWith('\uFEFF'), 'UTF-8 with a BOM, for Excel');
  const objects = parseCsv(objectsCsv, { bom: true, columns: true });
  // Exports publish approved findings: the city's few submitted audits stay out.
  assert.ok(objects.length > 0 && objects.length < CITY_OBJECTS, `${objects.length}`);
  for (const o of objects) {
    assert.match(o.check_date, /^\d{4}-\d{2}-\d{2}$/, 'the date of the approved audit');
    assert.ok(['fully_accessible', 'partially_accessible', 'not_accessible', 'not_assessed'].includes(o.wheelchair_map), o.wheelchair_map);
    assert.match(o.status_K, /^(DP|DCH|DU|VND|NA)$/);
    assert.ok(Number(o.lat_deg) > 43 && Number(o.lon_deg) > 76);
  }
  const elements = parseCsv(await download(page, 'a.export[href*="elements.csv"]'), { bom: true, columns: true });
  assert.ok(elements.length >= CITY_OBJECTS * 8, `about ten elements per object: ${elements.length}`);
  assert.ok(
    elements.every((e) => objects.some((o) => o.id === e.object_id)),
    'every element belongs to an exported object',
  );

  const geojson = checkGeojson(await download(page, 'a.export[href*="objects.geojson"]')); // throws on invalid GeoJSON
  assert.equal(geojson.type, 'FeatureCollection');
  assert.equal(geojson.features.length, objects.length, 'the same approved objects');

  const places = JSON.parse(await download(page, 'a.export[href*="objects.a11yjson"]'));
  const schema = new SimpleSchema(getPlaceInfoSchemaDefinition());
  assert.equal(places.length, objects.length);
  // simpl-schema takes ~0.1 s a place: every tenth (the demo campaign's
  // objects are all validated in a11yjson.test.mjs).
  for (const place of places.filter((_, i) => i % 10 === 0)) {
    const ctx = schema.newContext();
    ctx.validate(place);
    assert.ok(ctx.isValid(), JSON.stringify(ctx.validationErrors()));
  }

  const osm = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
    await download(page, 'a.export[href*="objects.osm"]'),
  );
  const nodes = [osm.osm.node].flat();
  assert.equal(nodes.length, objects.length, 'the approved objects');
  for (const n of nodes) {
    const tags = Object.fromEntries([n.tag].flat().map((t) => [t.k, t.v]));
    assert.match(tags.wheelchair, /^(yes|limited|no)$/);
    assert.match(tags.check_date, /^\d{4}-\d{2}-\d{2}$/, "the approved audit's date");
    assert.ok(Number(n.id) < 0, 'new nodes for a mapper to review');
  }
  await page.close();
});

test('analytics: charts with their tables, each table as CSV', async () => {
  const page = await coordinatorPage();
  await page.click('#analytics-link');
  await page.selectOption('#an-campaign', cityCampaign);
  await page.waitForFunction((n) => document.querySelector('#an-total')?.innerText.includes(n.toLocaleString('ru')), CITY_OBJECTS);
  for (const id of ['chart-district', 'chart-category', 'chart-progress', 'chart-adapted']) {
    assert.equal(await page.locator(`canvas#${id}[role="img"][aria-label]`).count(), 1, id);
  }
  await runAxe(page, 'the analytics page');
  const rows = parseCsv(await download(page, '#csv-district-type'), { bom: true, columns: true });
  const total = rows.reduce(
    (n, r) => n + Number(r.fully_accessible) + Number(r.partially_accessible) + Number(r.not_accessible) + Number(r.not_assessed),
    0,
  );
  assert.equal(total, CITY_OBJECTS, 'district × type covers every object');
  assert.equal(rows.length, await page.locator('#table-district-type tbody tr').count(), 'the CSV is the table');
  // The matrix of gaps: each district × type cell shows the share of its
  // assessed objects at least partially accessible, as the CSV's counts give it.
  const cells = await page.$$eval('#an-matrix tbody td', (tds) =>
    tds.map((td) => [td.closest('tr').dataset.district, td.dataset.category, td.dataset.share]),
  );
  const districts = new Set(rows.map((r) => r.district).filter(Boolean));
  const types = new Set(rows.map((r) => r.object_type).filter(Boolean));
  assert.ok(cells.length >= districts.size * types.size, 'every district × every object type');
  for (const r of rows.filter((r) => r.district && r.object_type)) {
    const assessed = Number(r.fully_accessible) + Number(r.partially_accessible) + Number(r.not_accessible);
    const want = assessed ? ((Number(r.fully_accessible) + Number(r.partially_accessible)) / assessed).toFixed(3) : '';
    const cell = cells.find(([d, c]) => d === r.district && c === r.object_type);
    assert.equal(cell?.[2], want, `${r.district} × ${r.object_type}`);
  }
  // Campaigns are combined only when asked, and the page says so.
  assert.equal(await page.locator('#an-combined').count(), 0);
  await page.selectOption('#an-campaign', '');
  await page.locator('#an-combined').waitFor();
  await page.selectOption('#an-campaign', cityCampaign);
  const cats = parseCsv(await download(page, '#csv-category'), { bom: true, columns: true });
  assert.deepEqual(
    cats.map((c) => c.category),
    ['K', 'O', 'S', 'G', 'U'],
  );
  const progress = parseCsv(await download(page, '#csv-progress'), { bom: true, columns: true });
  assert.equal(
    progress.reduce((n, r) => n + Number(r.submitted), 0),
    CITY_OBJECTS,
    'every generated audit was submitted',
  );
  await page.close();
});

test('a passport prints to a PDF whose every page carries the object and its page number', async () => {
  const page = await coordinatorPage();
  const map = await (await page.request.get(base + `api/v1/map?campaign=${cityCampaign}`)).json();
  const target = map.find((p) => p.wheelchair === 'not_accessible' && p.photo_count === 0);
  await page.goto(dashboardUrl(base) + `#/object/${target.id}`);
  await page.click('#passport-link');
  await page.locator('#passport-title').waitFor();
  await runAxe(page, 'the passport');
  const findings = await page.locator('.findings tbody tr').count();
  assert.ok(findings >= 1, 'a not accessible object has findings');
  // "Not approved" until a coordinator approved an audit of it; the checks
  // nothing answered listed, each once (read from the API, not the page).
  const object = await (await page.request.get(base + `api/v1/objects/${target.id}`)).json();
  const approved = object.audits.some((a) => a.status === 'approved');
  assert.equal(await page.locator('#pp-not-approved').count(), approved ? 0 : 1, `approved: ${approved}`);
  const unmeasured = object.verdict.results
    .filter((r) => r.outcome === 'not_measured' && !r.advisory)
    .map((r) => r.rule_id)
    .sort();
  assert.deepEqual((await page.locator('#pp-unmeasured li').evaluateAll((li) => li.map((l) => l.dataset.rule))).sort(), unmeasured);
  await page.emulateMedia({ media: 'print' });
  const pdfPath = join(dir, 'passport.pdf');
  writeFileSync(
    pdfPath,
    await page.pdf({
      format: 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate:
        '<div style="font-size:8px;width:100%;text-align:center"><span class="title"></span> · <span class="pageNumber"></span> / <span class="totalPages"></span></div>',
      margin: { top: '15mm', bottom: '18mm', left: '15mm', right: '15mm' },
    }),
  );
  const info = execFileSync('pdfinfo', [pdfPath], { encoding: 'utf8' });
  const pages = Number(info.match(/Pages:\s+(\d+)/)[1]);
  assert.ok(pages >= 1 && pages <= 6, `${pages} pages`);
  const text = [];
  for (let i = 1; i <= pages; i++) {
    const t = execFileSync('pdftotext', ['-f', String(i), '-l', String(i), '-layout', pdfPath, '-'], { encoding: 'utf8' });
    assert.ok(t.includes(`${i} / ${pages}`), `page ${i} is numbered`);
    assert.ok(t.includes(target.name), `page ${i} names the object`);
    assert.ok(!t.includes('Qadam — панель координатора'), `page ${i} prints without the dashboard bar`);
    text.push(t);
  }
  assert.match(text[0], /1\. Сведения об объекте/);
  assert.match(text[0], /2\. Доступность по категориям/);
  const all = text.join('\n');
  assert.match(all, /ВНД/, 'the wheelchair status');
  assert.match(all, /Несоответствия нормам/, 'the findings');
  assert.match(all, /2010 ADA/, 'each finding with its document and clause');
  if (!approved) assert.match(text[0], /НЕ УТВЕРЖДЁН/, 'the first page says the passport is not approved');
  await page.close();
});

test('the import form names every bad row, imports nothing, then imports the good rows when asked', async () => {
  const page = await coordinatorPage();
  const csv = join(dir, 'to-audit.csv');
  writeFileSync(
    csv,
    'name,category,district,address,lat,lon\n' +
      // Category and district by their Russian names, as a coordinator's spreadsheet has them.
      'ЦОН Алмалинского района,Госучреждения,Алмалинский район,"ул. Толе би, 155",43.2519,76.9018\n' +
      'Без района,health,,"ул. Абая, 1",43.24,76.91\n' +
      'Вне Земли,culture,medeu,"пр. Достык, 1",123.0,76.9\n',
  );
  // The import form is on the campaign's page.
  await page.click('#campaigns-link');
  await page.click(`#campaigns tr[data-campaign="${cityCampaign}"] a`);
  await page.locator('#import-file').waitFor();
  await page.setInputFiles('#import-file', csv);
  await page.click('#import-submit');
  await page.locator('#import-errors tbody tr').first().waitFor();
  // Each bad row by its line in the file (the header is line 1), said in Russian.
  const bad = await page.$$eval('#import-errors tbody tr', (rows) => rows.map((r) => [r.dataset.line, r.dataset.problem, r.innerText]));
  assert.deepEqual(
    bad.map(([line, problem]) => [line, problem]),
    [
      ['3', 'unknown_district'],
      ['4', 'impossible_location'],
    ],
  );
  assert.match(bad[0][2], /Район.*такого района нет в справочнике/s, bad[0][2]);
  assert.match(bad[1][2], /Местоположение.*невозможны/s, bad[1][2]);
  assert.match(await page.locator('#import-report [role="alert"]').innerText(), /импортировано: 0, строк с ошибками: 2/);
  await runAxe(page, 'the import report');
  await page.check('#import-skip');
  await page.click('#import-submit');
  await page.waitForFunction(() => /импортировано: 1/.test(document.querySelector('#import-report')?.innerText ?? ''));
  const map = await (await page.request.get(base + `api/v1/map?campaign=${cityCampaign}`)).json();
  assert.equal(map.length, CITY_OBJECTS + 1, 'one object imported');
  const imported = map.find((p) => p.name === 'ЦОН Алмалинского района');
  assert.deepEqual([imported.category, imported.district], ['government', 'almaly'], 'read by their Russian names');
  await page.close();
});

test('campaigns run from the dashboard: an administrator adds an account, a coordinator creates a campaign, adds the member and makes their enrollment code', async () => {
  const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(admin, base, 'admin');
  await admin.click('#users-link');
  await admin.locator('#users tbody tr').first().waitFor();
  await runAxe(admin, 'the users page');
  // A password the server refuses is said in the page's language; nothing is added.
  await admin.fill('#user-login', 'dina');
  await admin.fill('#user-name', 'Дина Аудитор');
  await admin.selectOption('#user-role', 'auditor');
  await admin.fill('#user-password', 'dina-field-2027');
  await admin.click('#add-user');
  await admin.locator('#users tr[data-login="dina"]').waitFor();
  assert.match(await admin.locator('[role="status"]').innerText(), /Учётная запись dina добавлена/);
  await admin.fill('#user-login', 'dina');
  await admin.fill('#user-password', 'another-password');
  await admin.click('#add-user');
  await admin.waitForFunction(() => /Проверьте логин/.test(document.querySelector('[role="alert"]')?.textContent ?? ''));
  assert.equal(await admin.locator('#users tr[data-login="dina"]').count(), 1, 'the taken login was not added twice');
  await admin.close();

  const page = await coordinatorPage();
  page.on('dialog', (d) => d.accept());
  await page.click('#campaigns-link');
  await page.locator('#new-campaign').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#campaign-rule-set option').length > 1);
  await runAxe(page, 'the campaigns page');
  await page.fill('#campaign-name', 'Школы Алматы 2027');
  await page.fill('#campaign-region', 'Алматы');
  await page.selectOption('#campaign-rule-set', 'kz-sp-3.06-101-2012');
  await page.click('#create-campaign');
  await page.locator('#campaign-title', { hasText: 'Школы Алматы 2027' }).waitFor();
  const id = page.url().match(/#\/campaign\/([0-9a-f-]{36})$/)[1];
  assert.equal(await page.locator('#campaign-region').innerText(), 'Алматы');
  assert.match(await page.locator('#campaign-rule-set').innerText(), /3\.06-101/, 'the norms by title, not by id');
  const members = () =>
    page.$$eval('#members tbody tr[data-login]', (rows) => rows.map((r) => [r.dataset.login, r.querySelector('select').value]));
  // The members load beside the plan and progress: wait for the table.
  await page.locator('#members tbody tr[data-login]').first().waitFor();
  assert.deepEqual(await members(), [['coordinator', 'coordinator']], 'the coordinator who created it coordinates it');
  // The new account joins as an auditor; her phone's code is made here.
  await page.selectOption('#member-login', 'dina');
  await page.selectOption('#member-role', 'auditor');
  await page.click('#add-member-submit');
  await page.locator('#members tr[data-login="dina"]').waitFor();
  assert.deepEqual(await members(), [
    ['coordinator', 'coordinator'],
    ['dina', 'auditor'],
  ]);
  // An auditor's account cannot coordinate: the server says so, in Russian, and the role stays.
  await page.selectOption('#role-dina', 'coordinator');
  await page.waitForFunction(() => /только учётная запись координатора/.test(document.querySelector('[role="alert"]')?.textContent ?? ''));
  await page.waitForFunction(() => document.querySelector('#role-dina').value === 'auditor');
  await page.click('#members tr[data-login="dina"] .enroll-member');
  await page.locator('#enrollment-code').waitFor();
  await runAxe(page, 'the campaign page with an enrollment code');
  await keepScreenshot('dashboard-campaign', () => page.screenshot());
  await page.setViewportSize({ width: 360, height: 740 });
  await assertFitsWidth(page, 'the campaign page at 360 px');
  await page.setViewportSize({ width: 1280, height: 900 });
  // As the server has them: the campaign, and its members.
  const campaign = (await (await page.request.get(base + 'api/v1/campaigns')).json()).find((c) => c.id === id);
  assert.deepEqual(campaign, {
    id,
    name: 'Школы Алматы 2027',
    description: '',
    region: 'Алматы',
    rule_set: 'kz-sp-3.06-101-2012',
    synthetic: false,
  });
  const code = await page.locator('#enrollment-code').innerText();
  const enrolled = await (
    await fetch(base + 'api/v1/devices/enroll', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, device_name: 'Дина телефон' }),
    })
  ).json();
  assert.equal(enrolled.user_login, 'dina', JSON.stringify(enrolled));
  // Taken out (after a question), she is no longer listed.
  await page.click('#members tr[data-login="dina"] .remove-member');
  await page.waitForFunction(() => !document.querySelector('#members tr[data-login="dina"]'));
  const api = await (await page.request.get(base + `api/v1/campaigns/${id}/members`)).json();
  assert.deepEqual(api, [{ login: 'coordinator', name: 'Айгерим Координатор', role: 'coordinator' }]);
  await page.close();
});

test('every main page fits a 360×740 phone and axe finds nothing there', async () => {
  const page = await coordinatorPage({ width: 360, height: 740 });
  const admin = await browser.newPage({ viewport: { width: 360, height: 740 } });
  await signIn(admin, base, 'admin');
  const object = (await (await page.request.get(base + `api/v1/map?campaign=${cityCampaign}`)).json())[0].id;
  for (const [p, hash, ready] of [
    [page, '#/queue', '#queue tbody tr'],
    [page, '#/analytics', '#an-matrix'],
    [page, '#/campaigns', '#new-campaign'],
    [page, `#/campaign/${cityCampaign}`, '#members tbody tr'],
    [page, `#/object/${object}`, '#object-title'],
    [page, `#/passport/${object}`, '#pp-statuses'],
    [page, '#/conflicts', 'main h1'],
    [admin, '#/users', '#users tbody tr'],
    [admin, '#/devices', '#devices'],
  ]) {
    await p.goto(dashboardUrl(base) + hash);
    await p.locator(ready).first().waitFor();
    await assertFitsWidth(p, hash);
    await runAxe(p, `${hash} at 360×740`);
  }
  await admin.close();
  await page.close();
});

test('load check: the map and the analytics render and stay responsive with 24,365 objects', async () => {
  const objects = Number(process.env.QADAM_LOAD_OBJECTS ?? 24365);
  const loadDir = tempDir('qadam-load-');
  const started = Date.now();
  serverCli(['gen', '--db', join(loadDir, 'server.db'), '--objects', String(objects), '--seed', '1']);
  const genMs = Date.now() - started;
  const loadPort = await freePort();
  const loadServer = await startServer({ dir: loadDir, port: loadPort, demo: false });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const loadBase = `http://127.0.0.1:${loadPort}/`;
    await page.request.post(loadBase + 'api/v1/session', { data: { token: TOKEN } });
    const t0 = Date.now();
    await page.goto(dashboardUrl(loadBase));
    // While a city's objects are read (seconds: the server evaluates every
    // object first), the page says so instead of "Объекты (0)".
    await page.locator('h1[aria-busy="true"]', { hasText: 'загружаются' }).waitFor({ timeout: 10000 });
    await page.waitForFunction((n) => document.querySelector('#map-legend')?.innerText.includes(n.toLocaleString('ru')), objects, {
      timeout: 180000,
    });
    await page.locator('.cluster').first().waitFor();
    const firstMs = Date.now() - t0;
    const t1 = Date.now();
    await page.reload();
    await page.waitForFunction((n) => document.querySelector('#map-legend')?.innerText.includes(n.toLocaleString('ru')), objects, {
      timeout: 60000,
    });
    await page.locator('.cluster').first().waitFor();
    const warmMs = Date.now() - t1;
    // Responsive: a filter and a recolouring each answer while the page lives.
    const t2 = Date.now();
    await page.selectOption('#map-district', 'auezov');
    await page.waitForFunction((n) => !document.querySelector('#map-legend').innerText.includes(n.toLocaleString('ru')), objects);
    await page.selectOption('#map-mode', '0');
    await page.locator('#map-legend li[data-class="2"]').waitFor();
    const filterMs = Date.now() - t2;
    const t3 = Date.now();
    await page.click('#analytics-link');
    await page.waitForFunction((n) => document.querySelector('#an-total')?.innerText.includes(n.toLocaleString('ru')), objects, {
      timeout: 60000,
    });
    await page.locator('#table-district-type tbody tr').nth(95).waitFor();
    const analyticsMs = Date.now() - t3;
    const rows = await page.locator('#table-district-type tbody tr').count();
    assert.equal(rows, 96, '8 districts × 12 object types');
    console.log(
      `load check (${objects} objects): gen ${genMs} ms; map first ${firstMs} ms, warm ${warmMs} ms; ` +
        `filter + recolour ${filterMs} ms; analytics ${analyticsMs} ms (figures for the benchmarks, not asserted)`,
    );
    await page.close();
  } finally {
    await stop(loadServer);
  }
});
