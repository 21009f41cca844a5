// Benchmarks 6 and 7 (issue 6): the dashboard's map with the whole city in
// headless Debian Chromium, and the app's cold start to its first list with
// the whole campaign on the device, under Xvfb through tauri-driver; and
// 10–12 (issue 17): the public map's first view, a public place's page and
// the public map's answer at national scale (250,000 objects). Adds its
// rows to the table `sync-server/benches/city.rs` wrote.
//
//   node bench/browser.mjs [--tiny] [--objects N] [--public-objects N] [--runs N] [--release] [--out FILE]
//                          [--only 6,7|10,11,12]
//
// --only runs the rows' group (6–7 or 10–12) and replaces only those rows.
//
// With --release the release binaries are used (make bench builds them);
// otherwise the debug ones (a smoke run in make test: figures not meaningful).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, TOKEN, tempDir, freePort, startProcess, waitHttp, stop, launchChromium, startTauriDriver,
} from '../ui/e2e/harness.mjs';
import { WebDriver } from '../ui/e2e/webdriver.mjs';

const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const val = (f, d) => (args.includes(f) ? args[args.indexOf(f) + 1] : d);
const tiny = flag('--tiny');
const objects = Number(val('--objects', tiny ? 300 : 24365));
const publicObjects = Number(val('--public-objects', tiny ? 300 : 250000));
const runs = Number(val('--runs', tiny ? 3 : 5));
const only = val('--only', '').split(',').filter(Boolean).map(Number);
const want = (...ns) => !only.length || ns.some((n) => only.includes(n));
const profile = flag('--release') ? 'release' : 'debug';
const out = val('--out', join(ROOT, tiny ? 'target/bench-smoke.md' : 'bench/RESULTS.md'));
const SERVER = join(ROOT, `target/${profile}/qadam-server`);
const APP = join(ROOT, `target/${profile}/qadam-app`);
const SYNC = join(ROOT, `target/${profile}/qadam-sync`);

const stats = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return { median: v[Math.floor(v.length / 2)], min: v[0], max: v[v.length - 1] };
};
const fmt = (s) => `${s.median} ms (${s.min}–${s.max})`;

/** A server over a generated city of `n` objects, answering. */
async function city(n, seed) {
  const dir = tempDir('qadam-bench-');
  execFileSync(SERVER, ['gen', '--db', join(dir, 'server.db'), '--objects', String(n), '--seed', String(seed)], { stdio: 'inherit' });
  const port = await freePort();
  const server = startProcess(SERVER, ['serve', '--db', join(dir, 'server.db'), '--listen', `127.0.0.1:${port}`,
    '--dashboard-dir', join(ROOT, 'ui/dist-dashboard')], { QADAM_TOKEN: TOKEN }, 'qadam-server');
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { server, port, base: `http://127.0.0.1:${port}/` };
}

const rows = [];
if (want(6, 7)) {
  const { server, port, base } = await city(objects, 1);
  try {

    // 6. The dashboard: navigation start to a map whose legend counts every
    // object and whose clusters are drawn (the page answers input then).
    const browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.request.post(base + 'api/v1/session', { data: { token: TOKEN } });
    const ready = async () => {
      await page.waitForFunction((n) => document.querySelector('#map-legend')?.innerText.includes(n.toLocaleString('ru')) && document.querySelector('.cluster'), objects, { timeout: 300000 });
      return page.evaluate(() => Math.round(performance.now()));
    };
    await page.goto(base + 'coordinator/');
    const first = await ready(); // includes the server's first evaluation of the city
    const times = [];
    for (let i = 0; i < runs; i++) {
      await page.reload();
      times.push(await ready());
    }
    // The limit beside it: the map's data alone — the page cannot be
    // interactive before `/api/v1/map` has arrived — fetched by the same
    // browser from the same warm server, the median of as many runs.
    const mapBytes = (await (await page.request.get(base + 'api/v1/map')).body()).length;
    const fetches = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await (await page.request.get(base + 'api/v1/map')).body();
      fetches.push(Math.round(performance.now() - t0));
    }
    const fetchMs = stats(fetches).median;
    await browser.close();
    const s = stats(times);
    rows.push([`6. dashboard map interactive, ${objects} objects (Performance API, warm server)`, fmt(s),
      `/api/v1/map alone ${fmt(stats(fetches))} (${(mapBytes / 1e6).toFixed(1)} MB JSON); first load with the server's evaluation ${first} ms`,
      `${(s.median / Math.max(fetchMs, 1)).toFixed(1)}× the fetch`, '< 1 s', s.median < 1000]);

    // 7. The app: launch to the first list (the campaigns) and to the
    // campaign's object list, the whole campaign on the device.
    if (existsSync(APP) && existsSync(SYNC)) {
      const data = tempDir('qadam-bench-device-');
      execFileSync(SYNC, [data], { env: { ...process.env, QADAM_SERVER_URL: `http://127.0.0.1:${port}`, QADAM_TOKEN: TOKEN }, stdio: 'ignore' });
      const driverPort = await freePort();
      const driver = await startTauriDriver({ port: driverPort, env: { QADAM_DATA_DIR: data, QADAM_AUTO_SYNC: '0' } });
      const starts = [];
      const lists = [];
      try {
        for (let i = 0; i < runs; i++) {
          const wd = new WebDriver(`http://127.0.0.1:${driverPort}`);
          const t = Date.now();
          await wd.start(APP);
          // Polled every 20 ms (the e2e tests' 150 ms would add up to that
          // much to each figure).
          const poll = { timeoutMs: 120000, intervalMs: 20 };
          const card = await wd.waitFor('.cards .card', poll);
          starts.push(Date.now() - t);
          await wd.clickElement(card);
          await wd.waitFor('#object-list li', poll);
          lists.push(Date.now() - t);
          await wd.quit();
        }
      } finally {
        await stop(driver);
      }
      const a = stats(starts);
      const l = stats(lists);
      rows.push([`7. app cold start to the campaign's object list, ${objects} objects on the device (${profile} build, Xvfb)`, fmt(l),
        `to the first screen (the campaigns) ${fmt(a)}`, `${(l.median / a.median).toFixed(1)}× the first screen`, '< 1.5 s', l.median < 1500]);
    } else {
      rows.push(['7. app cold start', 'not measured', `${APP} not built`, '—', '< 1.5 s', false]);
    }
  } finally {
    await stop(server);
  }
}

// 10–12. The public side at national scale: a city of `publicObjects`
// generated (about 95 % of its audits approved).
if (want(10, 11, 12)) {
  const { server: pserver, base } = await city(publicObjects, 2);
  try {
    // The first answer evaluates and publishes the city: said, not timed.
    const t0 = performance.now();
    await fetch(base + 'api/v1/public/map?zoom=3');
    const publishMs = Math.round(performance.now() - t0);
    const browser = await launchChromium();

    // 10. First view: a new visitor (empty cache) from navigation start to
    // the map's marks drawn and the places in view counted; the limit beside
    // it is the map answer that view asks for, fetched alone.
    const firsts = [];
    const weights = [];
    let mapUrl = '';
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      let bytes = 0;
      page.on('requestfinished', async (r) => {
        const sizes = await r.sizes().catch(() => null);
        if (sizes) bytes += sizes.responseBodySize + sizes.responseHeadersSize;
        if (r.url().includes('/api/v1/public/map?')) mapUrl = r.url();
      });
      await page.goto(base);
      await page.waitForFunction(() => /\d/.test(document.querySelector('#in-view-title')?.textContent ?? '') &&
        document.querySelector('.cluster, #pm-places li'), null, { timeout: 120000 });
      firsts.push(await page.evaluate(() => Math.round(performance.now())));
      await page.waitForLoadState('networkidle');
      weights.push(bytes);
      await context.close();
    }
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const mapFetches = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await (await page.request.get(mapUrl)).body();
      mapFetches.push(Math.round(performance.now() - t));
    }
    const f = stats(firsts);
    rows.push([`10. public map first view interactive, ${publicObjects} objects (new visitor, warm server)`, fmt(f),
      `its map answer alone ${fmt(stats(mapFetches))}; the whole first view ${(stats(weights).median / 1e6).toFixed(2)} MB on the wire; publication at start ${publishMs} ms`,
      `${(f.median / Math.max(stats(mapFetches).median, 1)).toFixed(1)}× the answer`, '< 1 s, first view < 1 MB',
      f.median < 1000 && stats(weights).median < 1e6]);

    // 11. A public place's page, opened by its address in a warm browser.
    const hits = await (await fetch(base + 'api/v1/public/map?zoom=18&bbox=76.90,43.22,76.95,43.26')).json();
    const id = hits.places[0]?.[0];
    const opens = [];
    const answers = [];
    // Once to fill the browser's cache (a warm browser), then timed.
    await page.goto(base + `place/${id}`);
    await page.locator('#place-name').waitFor();
    for (let i = 0; i < Math.max(runs, 7); i++) {
      await page.goto(base + `place/${id}`);
      await page.locator('#place-name').waitFor();
      opens.push(await page.evaluate(() => Math.round(performance.now())));
      const t = performance.now();
      await (await page.request.get(base + `api/v1/public/places/${id}`)).body();
      answers.push(Math.round(performance.now() - t));
    }
    const o = stats(opens);
    rows.push([`11. public place page, ${publicObjects} objects (navigation to its heading, warm browser)`, fmt(o),
      `its answer alone ${fmt(stats(answers))}`, `${(o.median / Math.max(stats(answers).median, 1)).toFixed(1)}× the answer`,
      '< 200 ms', o.median < 200]);

    // 12. The map's answer at city scale: what the first view loads, and
    // the densest answer (places one by one, zoomed in on the centre),
    // against zstd (level 3) of the raw rows — every published place as the
    // coordinator's map sends it, campaign id, nulls and all.
    const raw = Buffer.from(await (await fetch(base + 'api/v1/map', { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
    const zstdRaw = execFileSync('zstd', ['-3', '-c', '-q'], { input: raw, maxBuffer: 1 << 30 }).length;
    const dense = Buffer.from(await (await fetch(base + 'api/v1/public/map?zoom=17&bbox=76.80,43.15,77.00,43.35')).arrayBuffer());
    const firstView = Buffer.from(await (await page.request.get(mapUrl)).body());
    const zstd = (bytes) => execFileSync('zstd', ['-3', '-c', '-q'], { input: bytes, maxBuffer: 1 << 30 }).length;
    const [zFirst, zDense] = [zstd(firstView), zstd(dense)];
    rows.push([`12. public map answer, ${publicObjects} objects: the first view's, zstd -3 (compact JSON: places as arrays or clusters)`, `${(zFirst / 1e3).toFixed(1)} kB`,
      `zstd -3 of the raw rows ${(zstdRaw / 1e3).toFixed(1)} kB (raw ${(raw.length / 1e6).toFixed(1)} MB, the coordinator's /api/v1/map); the answer unpacked ${(firstView.length / 1e3).toFixed(1)} kB; the densest answer (places one by one, capped) ${(zDense / 1e3).toFixed(1)} kB zstd`,
      `${(zFirst / zstdRaw).toFixed(3)}× zstd of the raw rows`, '< zstd of the raw rows', zFirst < zstdRaw]);
    await browser.close();
  } finally {
    await stop(pserver);
  }
}

const table = rows.map((r) => `| ${r.slice(0, 5).join(' | ')} | ${r[5] ? 'yes' : '**no**'} |`).join('\n');
console.log(table);
let text = existsSync(out) ? readFileSync(out, 'utf8') : '| benchmark | figure | limit, same run | ratio | goal | met |\n|---|---|---|---|---|---|\n';
// After the last row of the table the city bench wrote, before the notes
// (whose own tables are left alone).
const measured = new Set(rows.map((r) => r[0].split('.')[0]));
const kept = text.split('\n').filter((l) => !measured.has(l.match(/^\| (\d+)\. /)?.[1]));
const notes = kept.findIndex((l) => l.startsWith('## '));
let last = -1;
kept.forEach((l, i) => { if (l.startsWith('| ') && (notes < 0 || i < notes)) last = i; });
kept.splice(last + 1, 0, table);
writeFileSync(out, kept.join('\n'));
console.log(`wrote ${out}`);
// A goal missed is a failure (the table is written first, to be read).
const missed = rows.filter((r) => !r[5]).map((r) => r[0]);
if (missed.length) {
  console.error(`goal missed: ${missed.join('; ')}`);
  process.exit(1);
}
