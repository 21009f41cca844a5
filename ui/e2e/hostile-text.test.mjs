// Hostile text in the dashboard (issue #13.1): names, addresses, notes and
// an auditor's name pushed from a phone as HTML and script. An object name
// reached Leaflet's `bindTooltip()` as a string, which Leaflet puts into
// `innerHTML`: a coordinator hovering the point ran the attacker's script.
// Here every such text is pushed through the real server and shown on the
// map (tooltip), the object list, the object page, the review queue and the
// passport in headless Chromium: nothing executes, no dialog opens, no
// element the text names appears, and the text shows literally. The page
// also runs under the server's Content-Security-Policy with no violation.
// The field app's side is in app.test.mjs (same payloads, WebDriver).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TOKEN, tempDir, freePort, startServer, stop, launchChromium, signIn } from './harness.mjs';
import { HOSTILE, hostileObject } from './hostile.mjs';

let dir, port, server, browser, base, ids;

before(async () => {
  dir = tempDir('qadam-hostile-');
  port = await freePort();
  server = await startServer({ dir, port });
  base = `http://127.0.0.1:${port}/`;
  ids = hostileObject(randomUUID());
  const r = await fetch(base + 'api/v1/sync/push', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ device_id: 'attacker-phone', changes: ids.changes }),
  });
  assert.equal(r.status, 200, await r.text());
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await stop(server);
});

/** A signed-in admin page (or, `anonymous`, a resident's) that records
 *  every dialog, CSP violation and page error. */
async function watchedPage(anonymous = false) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const incidents = [];
  page.on('dialog', (d) => {
    incidents.push(`dialog: ${d.message()}`);
    d.dismiss();
  });
  page.on('pageerror', (e) => incidents.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) incidents.push(`csp: ${m.text()}`);
  });
  if (!anonymous) await signIn(page, base, 'admin');
  return { page, incidents };
}

/** Nothing the payloads would run has run, and none of their elements exists. */
async function assertInert(page, incidents, where) {
  const ran = await page.evaluate(() => window.__xss);
  assert.equal(ran, undefined, `a payload ran on ${where}`);
  const planted = await page.$$eval('img[src="x"], svg[onload], [onerror], [onmouseover]', (xs) => xs.length);
  assert.equal(planted, 0, `an element of a payload exists on ${where}`);
  assert.deepEqual(incidents, [], where);
}

test('hostile names, addresses and notes show literally and run nowhere on the dashboard', async () => {
  const { page, incidents } = await watchedPage();
  // The map of the campaign holds the one object, at the map's centre: hover it.
  await page.selectOption('#campaign', ids.campaign);
  await page.waitForFunction(
    () => [...document.querySelectorAll('#map-legend li[data-class] strong')].reduce((n, x) => n + Number(x.textContent), 0) === 1,
  );
  await page.locator('.leaflet-container').first().scrollIntoViewIfNeeded();
  const map = await page.locator('.leaflet-container').first().boundingBox();
  const tooltip = page.locator('.leaflet-tooltip');
  for (let i = 0; i < 50 && (await tooltip.count()) === 0; i++) {
    await page.mouse.move(map.x + map.width / 2 + 40, map.y + map.height / 2 + 40);
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2, { steps: 5 });
    await page.waitForTimeout(100);
  }
  await tooltip.waitFor();
  assert.equal(await tooltip.textContent(), HOSTILE.name, 'the tooltip shows the name as text');
  await assertInert(page, incidents, 'the map');
  // The list of objects and the object page.
  await page.fill('#object-filter', 'onerror');
  await page.getByRole('link', { name: HOSTILE.name }).first().click();
  await page.locator('#object-title').waitFor();
  assert.equal(await page.locator('#object-title').textContent(), HOSTILE.name);
  const body = await page.locator('main').innerText();
  assert.ok(body.includes(HOSTILE.address), 'the address as text');
  assert.ok(body.includes(HOSTILE.note), 'the note as text');
  await assertInert(page, incidents, 'the object page');
  // The passport.
  await page.click('#passport-link');
  await page.waitForFunction((name) => document.body.innerText.includes(name), HOSTILE.name);
  await assertInert(page, incidents, 'the passport');
  // The review queue (the audit was submitted by the hostile auditor).
  await page.click('#queue-link');
  await page.waitForFunction((who) => document.body.innerText.includes(who), HOSTILE.auditor);
  await assertInert(page, incidents, 'the review queue');
  await page.close();
});

test('the dashboard is served under a strict Content-Security-Policy', async () => {
  const r = await fetch(base);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  // An inline script injected into the live page is refused by the browser.
  const { page, incidents } = await watchedPage();
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__xss = 1';
    document.body.append(s);
  });
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'inline script is blocked');
  assert.ok(
    incidents.some((i) => i.startsWith('csp:')),
    `the browser reports the blocked script: ${incidents}`,
  );
  await page.close();
});

test('once approved, the hostile place shows literally and runs nowhere on the public pages', async () => {
  const r = await fetch(base + `api/v1/audits/${ids.audit}/review`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ action: 'approve' }),
  });
  assert.equal(r.status, 200, await r.text());
  const { page, incidents } = await watchedPage(true);
  await page.goto(base + `?campaign=${ids.campaign}`);
  const link = page.locator('#pm-places a').first();
  await link.waitFor();
  assert.equal(await link.textContent(), HOSTILE.name);
  await assertInert(page, incidents, 'the public map');
  // Search by a word of the hostile address, then the place's page.
  await page.fill('#pm-q', 'Абая');
  await page.click('#pm-search');
  await page.locator('#search-hits a').first().waitFor();
  assert.equal(await page.locator('#search-hits a').first().textContent(), HOSTILE.name);
  await assertInert(page, incidents, 'the search results');
  await page.locator('#search-hits a').first().click();
  await page.locator('#place-name').waitFor();
  assert.equal(await page.locator('#place-name').textContent(), HOSTILE.name);
  assert.equal(await page.locator('#place-address').textContent(), HOSTILE.address);
  const body = await page.locator('main').innerText();
  assert.ok(!body.includes(HOSTILE.auditor), 'the auditor is named nowhere in public');
  await assertInert(page, incidents, 'the public place page');
  await page.close();
});
