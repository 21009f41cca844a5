// Benchmarks 6 and 7 (issue 6): the dashboard's map with the whole city in
// headless Debian Chromium, and the app's cold start to its first list with
// the whole campaign on the device, under Xvfb through tauri-driver. Adds
// its rows to the table `sync-server/benches/city.rs` wrote.
//
//   node bench/browser.mjs [--tiny] [--objects N] [--runs N] [--release] [--out FILE]
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
const runs = Number(val('--runs', tiny ? 3 : 5));
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

const dir = tempDir('qadam-bench-');
execFileSync(SERVER, ['gen', '--db', join(dir, 'server.db'), '--objects', String(objects), '--seed', '1'], { stdio: 'inherit' });
const port = await freePort();
const server = startProcess(SERVER, ['serve', '--db', join(dir, 'server.db'), '--listen', `127.0.0.1:${port}`,
  '--dashboard-dir', join(ROOT, 'ui/dist-dashboard')], { QADAM_TOKEN: TOKEN }, 'qadam-server');
const rows = [];
try {
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  const base = `http://127.0.0.1:${port}/`;

  // 6. The dashboard: navigation start to a map whose legend counts every
  // object and whose clusters are drawn (the page answers input then).
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.request.post(base + 'api/v1/session', { data: { token: TOKEN } });
  const ready = async () => {
    await page.waitForFunction((n) => document.querySelector('#map-legend')?.innerText.includes(n.toLocaleString('ru')) && document.querySelector('.cluster'), objects, { timeout: 300000 });
    return page.evaluate(() => Math.round(performance.now()));
  };
  await page.goto(base);
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

const table = rows.map((r) => `| ${r.slice(0, 5).join(' | ')} | ${r[5] ? 'yes' : '**no**'} |`).join('\n');
console.log(table);
let text = existsSync(out) ? readFileSync(out, 'utf8') : '| benchmark | figure | limit, same run | ratio | goal | met |\n|---|---|---|---|---|---|\n';
// After the last row of the table the city bench wrote, before the notes
// (whose own tables are left alone).
const kept = text.split('\n').filter((l) => !l.startsWith('| 6.') && !l.startsWith('| 7.'));
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
