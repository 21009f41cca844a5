// Running a survey of a whole city (issue 18), end to end through the real
// dashboard (headless Chromium) and the real app (tauri-driver under Xvfb)
// against one real qadam-server: an administrator adds a second region with
// its districts and a new object category on the dashboard, and the app uses
// them after a sync.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { WebDriver } from './webdriver.mjs';
import {
  ROOT,
  TOKEN,
  APP_BIN,
  NGO_CHECKLISTS,
  enrollmentCode,
  tempDir,
  freePort,
  startServer,
  startTauriDriver,
  stop,
  runAxe,
  launchChromium,
  signIn,
  waitValue as waitValueIn,
  clickText as clickTextIn,
  emulatePosition,
} from './harness.mjs';

let serverDir, serverPort, server, driverPort, driver, wd, browser, page;
const base = () => `http://127.0.0.1:${serverPort}`;
const waitValue = (css, value, timeoutMs) => waitValueIn(wd, css, value, timeoutMs);
const clickText = (css, text, timeoutMs) => clickTextIn(wd, css, text, timeoutMs);

// Taraz's centre, and a square of ±0.05° around it as its boundary.
const TARAZ = { lat: 42.9, lon: 71.37 };
const square = (c, d) => [
  [
    [c.lon - d, c.lat - d],
    [c.lon + d, c.lat - d],
    [c.lon + d, c.lat + d],
    [c.lon - d, c.lat + d],
    [c.lon - d, c.lat - d],
  ],
];

before(async () => {
  serverDir = tempDir('qadam-e2e-survey-');
  serverPort = await freePort();
  driverPort = await freePort();
  server = await startServer({ dir: serverDir, port: serverPort });
  driver = await startTauriDriver({
    port: driverPort,
    env: {
      QADAM_DATA_DIR: tempDir('qadam-e2e-survey-device-'),
      QADAM_SERVER_URL: base(),
      QADAM_CHECKLISTS_DIR: NGO_CHECKLISTS,
      QADAM_AUTO_SYNC: '0',
    },
  });
  browser = await launchChromium();
  page = await browser.newPage();
});

after(async () => {
  await wd?.quit().catch(() => {});
  await browser?.close().catch(() => {});
  await stop(driver);
  await stop(server);
});

test('a second region with its districts and a new object category are added on the dashboard and used in the app', async () => {
  // The administrator's Places page.
  await signIn(page, base(), 'admin');
  await page.click('#places-link');
  await page.locator('#places-title').waitFor();
  await runAxe(page, 'the places page');
  await page.fill('#region-code', 'taraz');
  await page.selectOption('#region-kind', 'city');
  await page.fill('#region-name-ru', 'Тараз');
  await page.fill('#region-name-en', 'Taraz');
  await page.click('#new-region button[type="submit"]');
  await page.locator('[role="status"]', { hasText: 'taraz' }).waitFor();
  // A district with its boundary, from a GeoJSON file as a GIS exports it.
  const file = join(serverDir, 'taraz-centre.geojson');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { name: 'Центр' }, geometry: { type: 'Polygon', coordinates: square(TARAZ, 0.05) } }],
    }),
  );
  await page.fill('#district-code', 'taraz_centre');
  assert.equal(await page.inputValue('#district-region'), 'taraz', 'the new region is chosen for its districts');
  await page.fill('#district-name-ru', 'Центр Тараза');
  await page.fill('#district-name-kk', 'Тараз орталығы');
  await page.fill('#district-name-en', 'Taraz centre');
  await page.setInputFiles('#district-boundary', file);
  await page.locator('#district-boundary-note', { hasText: 'Polygon' }).waitFor();
  await page.click('#new-district button[type="submit"]');
  await page.locator('#districts tr[data-code="taraz_centre"]', { hasText: 'есть' }).waitFor();
  await page.fill('#district-code', 'taraz_south');
  await page.fill('#district-name-ru', 'Южный Тараз');
  await page.click('#new-district button[type="submit"]');
  await page.locator('#districts tr[data-code="taraz_south"]', { hasText: 'Тараз' }).waitFor();
  await page.fill('#category-code', 'bath_house');
  await page.fill('#category-name-ru', 'Бани');
  await page.fill('#category-name-kk', 'Моншалар');
  await page.fill('#category-name-en', 'Bath houses');
  await page.click('#new-category button[type="submit"]');
  await page.locator('#categories tr[data-code="bath_house"]', { hasText: 'Бани' }).waitFor();
  // A code taken already is refused, said in the page's language.
  await page.fill('#category-code', 'bath_house');
  await page.fill('#category-name-ru', 'Ещё бани');
  await page.click('#new-category button[type="submit"]');
  await page.locator('[role="alert"]', { hasText: 'Этот код уже занят' }).waitFor();
  const catalogue = await (await fetch(`${base()}/api/v1/catalogue`)).json();
  assert.equal(catalogue.version, 4, 'a region, two districts and a category');
  assert.deepEqual(
    catalogue.districts.filter((d) => d.region === 'taraz').map((d) => [d.code, d.name.ru, d.name.kk, !!d.boundary]),
    [
      ['taraz_centre', 'Центр Тараза', 'Тараз орталығы', true],
      ['taraz_south', 'Южный Тараз', 'Южный Тараз', false],
    ],
  );

  // The auditor's app: enrolled, synced, it offers them and fills the
  // district in from the boundary.
  wd = new WebDriver(`http://127.0.0.1:${driverPort}`);
  await wd.start(APP_BIN);
  await wd.waitFor('#sync-button');
  await clickText('nav button', 'Настройки');
  const enrollment = await enrollmentCode(serverPort, 'auditor');
  await wd.type('#enroll-code', enrollment.link);
  await wd.type('#device-name', 'Taraz phone');
  await wd.click('#enroll-button');
  await wd.waitFor('#enrolled-as', { text: 'auditor' });
  await clickText('nav button', 'Кампании');
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  await clickText('.cards .card', 'Демо');
  await wd.click('#new-object');
  await wd.waitFor('#obj-name');
  const options = await wd.exec(
    `return [[...document.querySelectorAll('#obj-district optgroup')].map((g) => g.label),
             [...document.querySelectorAll('#obj-district option')].map((o) => o.value),
             [...document.querySelectorAll('#obj-category option')].map((o) => [o.value, o.textContent])]`,
  );
  assert.ok(options[0].includes('Тараз') && options[0].includes('Алматы'), `regions as groups: ${options[0]}`);
  assert.ok(options[1].includes('taraz_centre') && options[1].includes('taraz_south') && options[1].includes('almaly'));
  assert.deepEqual(
    options[2].find(([v]) => v === 'bath_house'),
    ['bath_house', 'Бани'],
  );
  await wd.type('#obj-name', 'Баня у рынка');
  await wd.select('#obj-category', 'bath_house');
  await wd.type('#obj-lat', String(TARAZ.lat + 0.01));
  await wd.type('#obj-lon', String(TARAZ.lon));
  await waitValue('#obj-district', 'taraz_centre');
  await wd.waitFor('#district-note');
  await wd.click('#save-object');
  await wd.waitFor('#object-title', { text: 'Баня у рынка' });
  const text = await wd.exec('return document.body.innerText');
  assert.ok(text.includes('Бани · Центр Тараза'), 'the object page names its type and district');
  await clickText('nav button', 'Кампании');
  await wd.click('#sync-button');

  // On the server once the sync has sent it, and named on the dashboard.
  let bath;
  for (const until = Date.now() + 30000; !bath && Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
    const map = await (await fetch(`${base()}/api/v1/map`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    bath = map.find((p) => p.name === 'Баня у рынка');
  }
  assert.deepEqual([bath?.district, bath?.category], ['taraz_centre', 'bath_house']);
  await page.goto(`${base()}/coordinator/#/object/${bath.id}`);
  await page.locator('main', { hasText: 'Центр Тараза' }).waitFor();
  await page.locator('main', { hasText: 'Бани' }).waitFor();
});

test('a district assigned to an auditor on the dashboard is their "my list" after a sync, nearest first with the way there', async () => {
  // The campaign page's assignment form (the administrator coordinates every campaign).
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  await page.goto(`${base()}/coordinator/#/campaigns`);
  await page.click(`#campaigns tr[data-campaign="${demo.id}"] a`);
  await page.locator('#assign').waitFor();
  await runAxe(page, 'the campaign page with the assignment form');
  await page.selectOption('#assign-district', 'medeu');
  await page.selectOption('#assign-auditor', 'auditor');
  await page.fill('#assign-due', '2027-03-01');
  await page.click('#assign-submit');
  await page.locator('[role="status"]', { hasText: 'Назначено auditor' }).waitFor();
  // The oracle: the campaign's objects in Medeu, as the server lists them.
  const objects = await (
    await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })
  ).json();
  const medeu = objects.filter((o) => o.object.district === 'medeu').map((o) => o.object.id);
  assert.ok(medeu.length > 0);
  assert.deepEqual(
    objects.filter((o) => o.object.assignee === 'auditor').map((o) => o.object.id),
    medeu,
    'exactly the district is assigned',
  );
  await page.locator('[role="status"]', { hasText: `${medeu.length} объект` }).waitFor();

  // The plan: every object of the campaign by the summer, Medeu's all.
  // Its progress counts the auditor's assigned Medeu objects and what is
  // passported (an approved audit), as the server lists them.
  await page.locator('#plan-form').waitFor();
  await page.fill('#plan-objects', String(objects.length));
  await page.fill('#plan-due', '2027-06-30');
  await page.fill('#plan-d-medeu', String(medeu.length));
  await page.click('#plan-submit');
  await page.locator('#plan-summary').waitFor();
  const approved = (os) => os.filter((o) => o.audit?.status === 'approved').length;
  const medeuObjects = objects.filter((o) => o.object.district === 'medeu');
  const cells = (css) => page.$$eval(`${css} td`, (tds) => tds.map((td) => td.textContent.trim()));
  assert.deepEqual((await cells('#plan-districts tr[data-district="medeu"]')).slice(0, 3), [
    String(medeu.length),
    String(medeu.length),
    String(approved(medeuObjects)),
  ]);
  assert.equal((await cells('#plan-auditors tr[data-auditor="auditor"]'))[0], String(medeu.length), 'assigned');
  assert.match(await page.textContent('#plan-summary'), new RegExp(`${approved(objects)} из ${objects.length}`));
  await runAxe(page, 'the campaign page with its plan and progress');

  // The auditor's phone, standing in the centre of Almaty: "my list" after a sync.
  await emulatePosition(wd, 43.25, 76.93, 10);
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await wd.click('#filter-assigned');
  await wd.click('#sync-button');
  const until = Date.now() + 30000;
  let listed = [];
  for (;;) {
    listed = await wd.exec(
      `return [...document.querySelectorAll('#object-list li')].map((li) => ({ id: li.dataset.id, d: parseFloat(li.dataset.distanceM),
         due: li.querySelector('.assigned')?.dataset.due, maps: li.querySelector('.maps-link')?.getAttribute('href'),
         direction: li.querySelector('.direction')?.dataset.direction }))`,
    );
    if (listed.length === medeu.length || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.deepEqual(listed.map((o) => o.id).sort(), [...medeu].sort(), 'my list is the assigned district');
  assert.ok(
    listed.every((o, i) => Number.isFinite(o.d) && (i === 0 || listed[i - 1].d <= o.d)),
    `nearest first: ${listed.map((o) => o.d)}`,
  );
  for (const o of listed) {
    assert.equal(o.due, '2027-03-01');
    assert.match(o.maps, /^geo:43\.\d+,76\.\d+\?q=/, 'an "open in maps" link to its position');
    // Medeu lies east of the centre (76.98 vs 76.93): the way points east-ish.
    assert.ok(['ne', 'e', 'se', 'n', 's'].includes(o.direction), `direction ${o.direction}`);
  }
});

test('an area drawn on the campaign map is assigned: exactly the objects inside it', async () => {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, { headers })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  const objects = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers })).json();
  // A square of ±0.004° around a located place outside Medeu (assigned above).
  const centre = objects.find((o) => o.object.location && o.object.district === 'almaly').object.location;
  const d = 0.004;
  const [south, north, west, east] = [centre.lat_deg - d, centre.lat_deg + d, centre.lon_deg - d, centre.lon_deg + d];
  const inside = objects
    .filter((o) => {
      const l = o.object.location;
      return l && l.lat_deg > south && l.lat_deg < north && l.lon_deg > west && l.lon_deg < east;
    })
    .map((o) => o.object.id)
    .sort();
  assert.ok(inside.length > 0 && inside.length < objects.length);

  await page.goto(`${base()}/coordinator/#/campaign/${demo.id}`);
  await page.locator('#assign').waitFor();
  await page.selectOption('#assign-district', '#area');
  await page.locator('#area-picker .leaflet-container').waitFor();
  await runAxe(page, 'the assignment form drawing an area');
  // A click on the map adds a corner; it can be taken back.
  await page.click('#area-picker .leaflet-container', { position: { x: 60, y: 60 } });
  await page.locator('#area-corners li').first().waitFor();
  await page.click('#area-undo');
  await page.locator('#area-count', { hasText: 'Углов пока нет' }).waitFor();
  // The corners typed, for an exact square.
  for (const [lat, lon] of [
    [south, west],
    [south, east],
    [north, east],
    [north, west],
  ]) {
    await page.fill('#area-lat', String(lat));
    await page.fill('#area-lon', String(lon));
    await page.click('#area-add');
  }
  assert.equal(await page.locator('#area-corners li').count(), 4);
  await page.locator(`#area-count[data-inside="${inside.length}"]`).waitFor();
  await page.selectOption('#assign-auditor', 'auditor');
  await page.fill('#assign-due', '2027-05-01');
  await runAxe(page, 'the assignment form with an area drawn');
  await page.click('#assign-submit');
  await page.locator('[role="status"]', { hasText: 'нарисованный участок' }).waitFor();
  const after = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers })).json();
  assert.deepEqual(
    after
      .filter((o) => o.object.due_on === '2027-05-01')
      .map((o) => [o.object.id, o.object.assignee])
      .sort(),
    inside.map((id) => [id, 'auditor']),
    'exactly the objects inside the area',
  );
});

test("a team's objects are on each member's list after a sync", async () => {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, { headers })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  await page.goto(`${base()}/coordinator/#/campaign/${demo.id}`);
  await page.locator('#team-form').waitFor();
  await page.fill('#team-name', 'Бригада Север');
  await page.check('#team-member-auditor');
  await runAxe(page, 'the campaign page making a team');
  await page.click('#team-submit');
  const row = page.locator('#teams tr[data-name="Бригада Север"]');
  await row.waitFor();
  assert.equal((await row.textContent()).includes('auditor'), true);
  const team = `team:${await row.getAttribute('data-team')}`;
  // Bostandyk's objects go to the team.
  await page.selectOption('#assign-district', 'bostandyk');
  await page.selectOption('#assign-auditor', team);
  await page.fill('#assign-due', '2027-06-01');
  await page.click('#assign-submit');
  await page.locator('[role="status"]', { hasText: 'Назначено Бригада Север' }).waitFor();
  const objects = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers })).json();
  const teamed = objects.filter((o) => o.object.assignee === team).map((o) => o.object.id);
  assert.deepEqual(
    teamed.sort(),
    objects
      .filter((o) => o.object.district === 'bostandyk')
      .map((o) => o.object.id)
      .sort(),
  );
  assert.ok(teamed.length > 0);
  // The plan's progress names the team.
  await page.locator('#plan-auditors tr', { hasText: 'Бригада Север' }).waitFor();

  // The member's phone: after a sync, "my list" is theirs and their team's.
  const expected = objects
    .filter((o) => o.object.assignee === 'auditor' || o.object.assignee === team)
    .map((o) => o.object.id)
    .sort();
  await clickText('nav button', 'Кампании');
  await clickText('.cards .card', 'Демо');
  await wd.click('#filter-assigned');
  await wd.click('#sync-button');
  let listed = [];
  for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
    listed = await wd.exec(`return [...document.querySelectorAll('#object-list li')].map((li) => li.dataset.id)`);
    if (listed.length === expected.length) break;
  }
  assert.deepEqual(listed.sort(), expected, "my list is the auditor's and the team's objects");

  // The team is deleted: its objects leave every list, the phone's too.
  await page.selectOption('#team-pick', team.slice('team:'.length));
  page.once('dialog', (d) => d.accept());
  await page.click('#team-delete');
  await page.locator('[role="status"]', { hasText: 'Бригада Бригада Север удалена' }).waitFor();
  await page.locator('#teams tr[data-name="Бригада Север"]').waitFor({ state: 'detached' });
  const left = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers })).json();
  assert.deepEqual(
    left
      .filter((o) => teamed.includes(o.object.id))
      .map((o) => [o.object.id, o.object.assignee, o.object.due_on])
      .sort(),
    teamed.map((id) => [id, null, null]),
  );
  const own = objects
    .filter((o) => o.object.assignee === 'auditor')
    .map((o) => o.object.id)
    .sort();
  await wd.click('#sync-button');
  for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
    listed = await wd.exec(`return [...document.querySelectorAll('#object-list li')].map((li) => li.dataset.id)`);
    if (listed.length === own.length) break;
  }
  assert.deepEqual(listed.sort(), own, "my list is the auditor's own objects again");
});

test('an OSM extract made by a script is imported with its duplicates found, and merging keeps every audit and photo', async () => {
  const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, auth)).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  const before = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, auth)).json();
  // A recorded place with an audit and elements, which the extract has too.
  const known = before.find((o) => o.object.location && o.element_count > 0 && o.object.name.includes('Акимат'));
  // Written as OSM XML by the script and made an .osm.pbf by osmium, the
  // form OSM extracts (Geofabrik, BBBike) come in.
  const xml = join(serverDir, 'almaty.osm');
  const file = join(serverDir, 'almaty.osm.pbf');
  execFileSync('python3', [
    join(ROOT, 'fixtures/osm/make_extract.py'),
    '--near-name',
    known.object.name,
    '--near-lat',
    String(known.object.location.lat_deg),
    '--near-lon',
    String(known.object.location.lon_deg),
    '--out',
    join(serverDir, 'almaty.osm.geojson'),
    '--osm-xml',
    xml,
  ]);
  execFileSync('osmium', ['cat', xml, '-o', file, '--overwrite']);
  await page.goto(`${base()}/coordinator/#/campaigns`);
  await page.click(`#campaigns tr[data-campaign="${demo.id}"] a`);
  await page.locator('#import-file').waitFor();
  await page.setInputFiles('#import-file', file);
  await page.click('#import-submit');
  await page.locator('#import-duplicates tbody tr').first().waitFor();
  // 7 features: a bench and a nameless cafe skipped, 5 imported; the
  // known place and the school twice found as probable duplicates.
  assert.match(await page.locator('#import-report').innerText(), /Строк: 7, импортировано: 5.*Пропущено.*: 2/s);
  const found = await page.$$eval('#import-duplicates tbody tr', (rows) =>
    rows.map((r) => [r.dataset.row, r.dataset.otherRow, r.dataset.object]),
  );
  // An .osm.pbf holds nodes before ways: the school's outline is feature 7.
  assert.deepEqual(found, [
    ['1', '', known.object.id],
    ['7', '2', ''],
  ]);
  await runAxe(page, 'the import report with duplicates');

  // The Duplicates page: keep the audited record, merge the OSM copy into it;
  // keep the school's node, merge its outline.
  await page.click('#import-duplicates-note a');
  await page.locator('#duplicates tbody tr').nth(1).waitFor();
  await runAxe(page, 'the duplicates page');
  const row = (id) => page.locator(`#duplicates tr[data-first="${id}"], #duplicates tr[data-second="${id}"]`);
  const pair = row(known.object.id);
  const keepKnown = (await pair.getAttribute('data-first')) === known.object.id ? '.keep-first' : '.keep-second';
  await pair.locator(keepKnown).click();
  await page.locator('[role="status"]', { hasText: 'Объединено' }).waitFor();
  await page.locator('#duplicates tbody tr').nth(1).waitFor({ state: 'detached' });
  await page.locator('#duplicates tbody tr .keep-first').click();
  await page.locator('#duplicates-none').waitFor();

  // Every audit, element and photo of the known place is still there, on
  // the record kept; the OSM copy and the school's second record are gone.
  const after = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, auth)).json();
  const kept = after.find((o) => o.object.id === known.object.id);
  assert.deepEqual([kept.element_count, kept.photo_count, kept.audit?.id], [known.element_count, known.photo_count, known.audit?.id]);
  assert.equal(after.filter((o) => o.object.name === known.object.name).length, 1);
  assert.equal(after.filter((o) => /гимназия.*77/i.test(o.object.name)).length, 1);
  assert.equal(after.length, before.length + 3, 'five imported, two merged away');
});

const DOOR_RULE = 'kz-4.3.2.14-door-width';
const authHeaders = { authorization: `Bearer ${TOKEN}` };
/** A review action on an audit, by the API as a coordinator. */
async function review(audit, actions) {
  for (const action of actions) {
    const r = await fetch(`${base()}/api/v1/audits/${audit}/review`, {
      method: 'POST',
      headers: { ...authHeaders, 'content-type': 'application/json' },
      body: JSON.stringify({ action }),
    });
    assert.equal(r.status, 200, await r.text());
  }
}
/** The object as the dashboard reads it. */
const dashboardObject = async (id) => (await fetch(`${base()}/api/v1/objects/${id}`, { headers: authHeaders })).json();

/** Syncs the app and opens the place `name` of the demo campaign. */
async function openInApp(name) {
  await clickText('nav button', 'Кампании');
  await wd.click('#sync-button');
  await wd.waitFor('#sync-phase[data-phase="done"]', { timeoutMs: 30000 });
  await clickText('.cards .card', 'Демо');
  await wd.click('#filter-all');
  await wd.type('#object-search', name);
  await clickText('#object-list li button', name);
  await wd.waitFor('#start-reaudit', { timeoutMs: 30000 });
}

/** The re-audit's one door width field: [input id, value]. */
async function doorWidthField() {
  const fields = await wd.exec(
    `return [...document.querySelectorAll('#element-list input[data-measure="clear_width_mm"]')].map((i) => [i.id, i.value])`,
  );
  assert.equal(fields.length, 1);
  return fields[0];
}

/** Types `mm` into the door's width and saves it. */
async function setDoorWidth(id, mm) {
  await wd.exec(
    `const i = document.getElementById(arguments[0]); i.closest('details').open = true; i.value = arguments[1];
     i.dispatchEvent(new Event('input', { bubbles: true }));
     const u = i.parentElement.querySelector('select'); u.value = 'mm'; u.dispatchEvent(new Event('change', { bubbles: true }));
     i.closest('form').querySelector('.save-measure').click();`,
    [id, String(mm)],
  );
}

/** Sends the open re-audit (past the question about unmeasured checks),
 *  syncs, and waits until the server holds `visits` visits, the last one
 *  submitted; answers the object as the dashboard reads it. */
async function submitAndSync(objectId, visits) {
  await wd.click('#submit-audit');
  for (const until = Date.now() + 8000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
    if (
      await wd.cmd('POST', '/alert/accept', {}).then(
        () => true,
        () => false,
      )
    )
      break;
  }
  await wd.waitFor('#visits li[data-status="submitted"]');
  await clickText('nav button', 'Кампании');
  await wd.click('#sync-button');
  for (const until = Date.now() + 30000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
    const d = await dashboardObject(objectId);
    if (d.visits.length === visits && d.visits[visits - 1].status === 'submitted') return d;
  }
  assert.fail(`the re-audit reached the server as visit ${visits}`);
}

test("a register's .xlsx spreadsheet is imported, its bad row named by its row in the sheet", async () => {
  const headers = { authorization: `Bearer ${TOKEN}` };
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, { headers })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  const dir = tempDir('qadam-e2e-register-');
  const csv = join(dir, 'register.csv');
  const xlsx = join(dir, 'register.xlsx');
  writeFileSync(
    csv,
    'name,category,district,address,lat,lon\n' +
      'Акимат Медеуского района,Госучреждения,Медеуский район,пр. Достык 85,43.2380,76.9570\n' +
      'Поликлиника № 5 (реестр),Здравоохранение,Бостандыкский район,ул. Тимирязева 10,43.2270,76.9090\n' +
      'Библиотека (реестр),library,Алмалинский район,,,\n',
  );
  execFileSync('python3', [join(ROOT, 'fixtures/register/csv_to_xlsx.py'), csv, xlsx]);
  await page.goto(`${base()}/coordinator/#/campaign/${demo.id}`);
  await page.locator('#import-file').waitFor();
  await page.setInputFiles('#import-file', xlsx);
  await page.click('#import-submit');
  // Nothing is imported while a row is bad; the bad row is the sheet's 4th.
  await page.locator('#import-errors tr[data-problem="unknown_category"]').waitFor();
  assert.equal(await page.getAttribute('#import-errors tr[data-problem="unknown_category"]', 'data-line'), '4');
  assert.match(await page.locator('#import-report').innerText(), /Строк: 3, импортировано: 0/);
  await page.check('#import-skip');
  await page.click('#import-submit');
  await page.locator('#import-report', { hasText: /импортировано: 2/ }).waitFor();
  const objects = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers })).json();
  const got = objects
    .filter((o) => /реестр|Акимат Медеуского/.test(o.object.name))
    .map((o) => [o.object.name, o.object.category, o.object.district, o.object.address, o.object.location?.lat_deg])
    .sort();
  assert.deepEqual(got, [
    ['Акимат Медеуского района', 'government', 'medeu', 'пр. Достык 85', 43.238],
    ['Поликлиника № 5 (реестр)', 'health', 'bostandyk', 'ул. Тимирязева 10', 43.227],
  ]);
});

/** The place the re-audit test narrowed the door of (the next test adapts it). */
let reaudited;

test('a re-audit pre-fills from the approved visit, one changed value gives a second verdict, and the first stays in the history', async () => {
  const campaigns = await (await fetch(`${base()}/api/v1/campaigns`, { headers: authHeaders })).json();
  const demo = campaigns.find((c) => c.name.includes('Демо'));
  const objects = await (await fetch(`${base()}/api/v1/objects?campaign=${demo.id}`, { headers: authHeaders })).json();
  // A submitted place whose door passes and whose wheelchair status is not
  // "not accessible" yet: a narrowed door will change its verdict.
  let target;
  for (const o of objects.filter((x) => x.audit?.status === 'submitted' && x.element_count > 0)) {
    const d = await dashboardObject(o.object.id);
    const door = d.elements.find((e) => e.kind === 'door' && e.measurements.clear_width_mm != null);
    if (door && d.verdict.by_category.K !== 'VND') {
      target = { o, d, door };
      break;
    }
  }
  assert.ok(target, 'a demo place with a measured door');
  await review(target.o.audit.id, ['start_review', 'approve']);
  const firstK = target.d.verdict.by_category.K;

  // The auditor's app: after a sync the place offers a re-audit.
  await openInApp(target.o.object.name);
  const before = (await wd.findAll('#element-list > li')).length;
  assert.equal(before, target.d.elements.length);
  await wd.click('#start-reaudit');
  await wd.waitFor('#visits li[data-status="draft"]');
  // Pre-filled: the same elements (not twice as many), the door's width as approved.
  assert.equal((await wd.findAll('#element-list > li')).length, before);
  const [id, width] = await doorWidthField();
  assert.equal(Number(width), Number(target.door.measurements.clear_width_mm?.value ?? target.door.measurements.clear_width_mm));
  // The door was narrowed: 600 mm.
  await setDoorWidth(id, 600);
  await wd.waitFor('#visits li[data-status="draft"][data-k="VND"]', { timeoutMs: 15000 });
  const visits = await wd.exec(`return [...document.querySelectorAll('#visits li')].map((li) => [li.dataset.status, li.dataset.k])`);
  assert.deepEqual(visits, [
    ['approved', firstK],
    ['draft', 'VND'],
  ]);

  // Sent and approved, the public page judges the new visit.
  const second = await submitAndSync(target.o.object.id, 2);
  assert.deepEqual(
    second.visits.map((v) => [v.status, v.by_category.K]),
    [
      ['approved', firstK],
      ['submitted', 'VND'],
    ],
  );
  await review(second.visits[1].audit_id, ['start_review', 'approve']);
  // The dashboard shows both visits, before and after.
  await page.goto(`${base()}/coordinator/#/object/${target.o.object.id}`);
  await page.locator('#visits li').nth(1).waitFor();
  assert.deepEqual(await page.$$eval('#visits li', (lis) => lis.map((li) => [li.dataset.status, li.dataset.k])), [
    ['approved', firstK],
    ['approved', 'VND'],
  ]);
  const place = await (await fetch(`${base()}/api/v1/public/places/${target.o.object.id}`)).json();
  assert.equal(place.statuses[0], 'VND', 'К (the first status) as the second, approved visit found it');
  reaudited = { ...target, firstK };
});

/** Prints the dashboard's page to a PDF and answers its text (poppler). */
async function printedText(name) {
  await page.emulateMedia({ media: 'print' });
  const pdfPath = join(tempDir('qadam-e2e-letter-'), name);
  writeFileSync(pdfPath, await page.pdf({ format: 'A4', margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' } }));
  await page.emulateMedia({ media: 'screen' });
  return execFileSync('pdftotext', [pdfPath, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

test("a failed rule becomes an adaptation task with the owner's letter, and a later approved visit that passes it makes it verified", async () => {
  assert.ok(reaudited, 'the re-audit test left a place whose approved visit failed at the door');
  const objectId = reaudited.o.object.id;
  const row = `#adapt-table tr[data-rule="${DOOR_RULE}"]`;
  // The 600 mm door failed СП РК 3.06-101 4.3.2.14 (a door at least 0,9 m
  // wide) in the newest approved visit, and not in the first.
  const [v1, v2] = (await dashboardObject(objectId)).visits;
  assert.ok(v2.failed_rules.includes(DOOR_RULE) && !v1.failed_rules.includes(DOOR_RULE), JSON.stringify(v2.failed_rules));

  // The coordinator makes it a task for the owner.
  await page.goto(`${base()}/coordinator/#/object/${objectId}`);
  await page.locator('#adapt-form').waitFor();
  const offered = await page.$$eval('#adapt-form input[name="rule"]', (is) => is.map((i) => i.value).sort());
  assert.deepEqual(offered, [...v2.failed_rules].sort(), 'every failed rule of the approved visit is offered');
  await page.check(`#adapt-form input[value="${DOOR_RULE}"]`);
  await page.fill('#adapt-responsible', 'ТОО «Владелец здания»');
  await page.fill('#adapt-deadline', '2027-06-30');
  await runAxe(page, 'the object page with the adaptation form');
  await page.click('#adapt-make');
  await page.locator(`${row}[data-state="planned"]`).waitFor();
  assert.deepEqual(
    await page.$$eval(`${row} select option`, (os) => os.map((o) => o.value)),
    ['planned', 'in_progress', 'done'],
    'verified is never chosen',
  );
  await page.selectOption(`${row} select`, 'in_progress');
  await page.locator(`${row}[data-state="in_progress"]`).waitFor();
  await page.selectOption(`${row} select`, 'done');
  await page.locator(`${row}[data-state="done"]`).waitFor();
  await runAxe(page, 'the object page with an adaptation task');

  // The owner's letter, in Kazakh and in Russian, lists it with its clause.
  await page.click('#letter-kk');
  await page.locator('#letter-list').waitFor();
  assert.equal(await page.getAttribute('#letter', 'lang'), 'kk');
  await runAxe(page, "the owner's letter");
  const kk = await printedText('letter-kk.pdf');
  for (const want of ['Есік ойығын 0,9 м-ге дейін кеңейту.', '4.3.2.14-тармақ', '30.06.2027', 'Үйлестіруші мақұлдаған']) {
    assert.ok(kk.includes(want), `the Kazakh letter says ${want}: ${kk}`);
  }
  await page.goto(`${base()}/coordinator/#/letter/${objectId}/ru`);
  await page.locator('#letter[lang="ru"] #letter-list').waitFor();
  const ru = await printedText('letter-ru.pdf');
  for (const want of ['Расширить дверной проём до 0,9 м.', 'п. 4.3.2.14', 'СП РК 3.06-101-2012*', '30.06.2027']) {
    assert.ok(ru.includes(want), `the Russian letter says ${want}: ${ru}`);
  }
  // Who is responsible (a narrow column, wrapped in the PDF's text).
  assert.match(await page.textContent(`#letter-list li[data-rule="${DOOR_RULE}"]`), /ТОО «Владелец здания»/);

  // The owner widens the door; the auditor's re-audit measures 900 mm.
  await openInApp(reaudited.o.object.name);
  await wd.click('#start-reaudit');
  await wd.waitFor('#visits li[data-status="draft"]');
  const [id, width] = await doorWidthField();
  assert.equal(Number(width), 600, 'pre-filled from the approved visit that failed');
  await setDoorWidth(id, 900);
  await wd.waitFor(`#visits li[data-status="draft"][data-k="${reaudited.firstK}"]`, { timeoutMs: 15000 });
  const third = await submitAndSync(objectId, 3);
  assert.ok(third.visits[2].passed_rules.includes(DOOR_RULE));
  // Submitted is not approved: the task stays done.
  await page.goto(`${base()}/coordinator/#/object/${objectId}`);
  await page.locator(`${row}[data-state="done"]`).waitFor();
  await review(third.visits[2].audit_id, ['start_review', 'approve']);
  await page.reload();
  await page.locator(`${row}[data-state="verified"]`).waitFor();
  assert.equal(await page.locator(`${row} select`).count(), 0, 'a verified task is not changed by hand');

  // Analytics: the place is adapted, against the 75 % goal.
  await page.goto(`${base()}/coordinator/#/analytics`);
  await page.locator('#an-campaign').selectOption(reaudited.o.object.campaign_id);
  await page
    .locator('#an-adapt-text')
    .filter({ hasText: /1 из 1 / })
    .waitFor();
  const summary = await (
    await fetch(`${base()}/api/v1/analytics/adaptations?campaign=${reaudited.o.object.campaign_id}`, { headers: authHeaders })
  ).json();
  assert.deepEqual([summary.objects_with_tasks, summary.objects_adapted, summary.goal_percent, summary.tasks.verified], [1, 1, 75, 1]);
  assert.match(await page.textContent('#an-adapt-text'), /1 из 1 .*100[,.]0 %.*75 %/);
  await runAxe(page, 'the analytics with adaptation');

  // Before and after: the passport lists the three visits, the public
  // page the approval before the last (the narrow door) beside now.
  await page.goto(`${base()}/coordinator/#/passport/${objectId}`);
  await page.locator('#pp-visits tbody tr').nth(2).waitFor();
  assert.deepEqual(
    await page.$$eval('#pp-visits tbody tr', (rows) =>
      rows.map((r) => [r.dataset.status, r.querySelector('[data-category="K"]').dataset.code]),
    ),
    [
      ['approved', reaudited.firstK],
      ['approved', 'VND'],
      ['approved', reaudited.firstK],
    ],
  );
  await runAxe(page, 'the passport with its visits');
  await page.goto(`${base()}/place/${objectId}`);
  const k = page.locator('#place-needs tr[data-need="K"]');
  await k.waitFor();
  // The site's letters: F fully, P partially, C with help, N not accessible.
  const letter = { DP: 'F', DCH: 'P', DU: 'C', VND: 'N' };
  assert.deepEqual([await k.getAttribute('data-before'), await k.getAttribute('data-status')], ['N', letter[reaudited.firstK]]);
  await runAxe(page, 'the public page with before and after');

  // One object onto an auditor's list from its page, and off it again.
  const assignee = async () => (await dashboardObject(objectId)).object;
  await page.goto(`${base()}/coordinator/#/object/${objectId}`);
  await page.locator('#assign-one-auditor option[value="auditor"]').waitFor({ state: 'attached' });
  await page.selectOption('#assign-one-auditor', 'auditor');
  await page.fill('#assign-one-due', '2027-04-15');
  await runAxe(page, 'the object page with its assignment form');
  await page.click('#assign-one-submit');
  await page.locator('#assign-one-status', { hasText: 'auditor' }).waitFor();
  assert.deepEqual(await assignee().then((o) => [o.assignee, o.due_on]), ['auditor', '2027-04-15']);
  await page.selectOption('#assign-one-auditor', '');
  await page.fill('#assign-one-due', '');
  await page.click('#assign-one-submit');
  await page.locator('#assign-one-status', { hasText: 'снят' }).waitFor();
  assert.deepEqual(await assignee().then((o) => [o.assignee, o.due_on]), [null, null]);
});

test('a rule set and a checklist added on the dashboard reach the app by sync; the rule set chosen for the campaign judges there, and each audit records it', async () => {
  assert.ok(reaudited, 'the adaptation test left a place approved with a 900 mm door');
  const objectId = reaudited.o.object.id;
  const campaignId = reaudited.o.object.campaign_id;
  // An NGO's variant of СП РК 3.06-101: doors of at least 1 m.
  const set = JSON.parse(readFileSync(join(ROOT, 'schemas/rules/kz-sp-3.06-101-2012.json'), 'utf8'));
  Object.assign(set, { id: 'ngo-strict-doors', title: 'СП РК 3.06-101, двери 1 м (ОО «Шаг»)', edition: '2027-01' });
  set.rules.find((r) => r.id === DOOR_RULE).check.value = '1 m';
  const dir = tempDir('qadam-e2e-rules-');
  const good = join(dir, 'ngo-strict-doors.json');
  const shipped = join(dir, 'shipped-id.json');
  writeFileSync(good, JSON.stringify(set));
  writeFileSync(shipped, JSON.stringify({ ...set, id: 'kz-sp-3.06-101-2012' }));

  // The administrator's Norms page: a set that ships cannot be replaced; the
  // NGO's is added, and the norms' version changes.
  await page.goto(`${base()}/coordinator/#/`);
  await page.click('#norms-link');
  await page.locator('#rule-sets tr[data-id="kz-sp-3.06-101-2012"]').waitFor();
  const versionBefore = await page.textContent('#norms-intro');
  await runAxe(page, 'the norms page');
  await page.setInputFiles('#rule-set-file', shipped);
  await page.locator('#rule-set-file-note', { hasText: 'kz-sp-3.06-101-2012' }).waitFor();
  await page.click('#add-rule-set');
  await page.locator('#rule-set-file-note', { hasText: /^Отклонено в id:/ }).waitFor();
  assert.equal(await page.locator('#rule-sets tr[data-id="ngo-strict-doors"]').count(), 0);
  await page.setInputFiles('#rule-set-file', good);
  await page.click('#add-rule-set');
  await page.locator('#rule-sets tr[data-id="ngo-strict-doors"][data-edition="2027-01"]').waitFor();
  assert.notEqual(await page.textContent('#norms-intro'), versionBefore);
  await runAxe(page, 'the norms page with an added rule set');
  // A checklist for a new element kind, the same way.
  const tactileMap = join(dir, 'tactile_map.json');
  const text = (ru, kk, en) => ({ ru, kk, en });
  writeFileSync(
    tactileMap,
    JSON.stringify({
      kind: 'tactile_map',
      zone: 'entrance',
      title: text('Тактильная мнемосхема', 'Тактильді мнемосхема', 'Tactile map'),
      fields: [
        {
          name: 'mount_height_mm',
          type: 'length_mm',
          min: 0,
          max: 3000,
          label: text('Высота установки', 'Орнату биіктігі', 'Mounting height'),
          hint: text('От пола до низа схемы', 'Еденнен схеманың төменгі жиегіне дейін', 'From the floor to the bottom of the map'),
        },
      ],
    }),
  );
  await page.setInputFiles('#checklist-file', tactileMap);
  await page.locator('#checklist-file-note', { hasText: 'tactile_map' }).waitFor();
  await page.click('#add-checklist');
  await page.locator('#norm-checklists tr[data-kind="tactile_map"]').waitFor();

  // The campaign's page chooses it.
  await page.goto(`${base()}/coordinator/#/campaign/${campaignId}`);
  await page.locator('#campaign-rule-set-choice option[value="ngo-strict-doors"]').waitFor({ state: 'attached' });
  await page.selectOption('#campaign-rule-set-choice', 'ngo-strict-doors');
  await runAxe(page, 'the campaign page choosing its norms');
  await page.click('#campaign-rule-set-submit');
  await page.locator('#campaign-rule-set', { hasText: 'двери 1 м' }).waitFor();
  const judged = await dashboardObject(objectId);
  assert.equal(judged.verdict.rule_set, 'ngo-strict-doors');
  assert.equal(judged.verdict.results.find((r) => r.rule_id === DOOR_RULE).outcome, 'fail', '900 mm is less than 1 m');

  // The app, after a sync, judges the approved 900 mm door with it, offline
  // as ever: the last visit is not accessible for a wheelchair now.
  await openInApp(reaudited.o.object.name);
  await wd.waitFor('#visits li:last-child[data-status="approved"][data-k="VND"]', { timeoutMs: 15000 });
  // A re-audit measures the door widened to 1 m: it passes the NGO's set.
  await wd.click('#start-reaudit');
  await wd.waitFor('#visits li[data-status="draft"]');
  // The new checklist's kind is offered too, with its field.
  await wd.waitFor('#element-kind option[value="tactile_map"]');
  const [id, width] = await doorWidthField();
  assert.equal(Number(width), 900);
  await setDoorWidth(id, 1000);
  await wd.waitFor(`#visits li[data-status="draft"][data-k="${reaudited.firstK}"]`, { timeoutMs: 15000 });
  const fourth = await submitAndSync(objectId, 4);
  const sent = fourth.audits.find((a) => a.id === fourth.visits[3].audit_id);
  assert.equal(sent.rule_set_version, 'ngo-strict-doors@2027-01');
  const earlier = fourth.audits.find((a) => a.id === fourth.visits[2].audit_id);
  assert.equal(earlier.rule_set_version, 'kz-sp-3.06-101-2012@27.11.2019', 'an audit sent before keeps the set it was judged by');
  await page.goto(`${base()}/coordinator/#/object/${objectId}`);
  await page.locator('.judged-by', { hasText: 'ngo-strict-doors@2027-01' }).waitFor();
});
