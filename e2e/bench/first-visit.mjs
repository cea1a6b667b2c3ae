// What a person's browser downloads to open the lobby, measured in Debian's headless
// Chromium against the real server: bytes on the wire (bodies as sent, compressed, plus
// headers) on a first visit with an empty cache and on a repeat visit, and the time from
// navigation to a lobby that answers a click.
//
// Env: DUET_BIN (the server binary), DUET_DIST (the built app), CHROMIUM_PATH,
// BUDGET_KB (default 250), RUNS (first visits measured, default 5; the median is kept),
// OUT (a JSON report path). Prints a table; exits non-zero only when it cannot measure.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run scripts/bench-delivery.sh)`);
  return v;
};
const BIN = need('DUET_BIN');
const DIST = need('DUET_DIST');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const BUDGET = Number(process.env.BUDGET_KB ?? 250) * 1000;
const RUNS = Number(process.env.RUNS ?? 5);

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function startServer() {
  const data = mkdtempSync(join(tmpdir(), 'duet-bench-'));
  const port = await freePort();
  const child = spawn(BIN, ['--port', String(port), '--data-dir', data, '--static-dir', DIST], {
    env: { ...process.env, STUN_URLS: '', RUST_LOG: 'warn', AUTH_RATE_PER_MINUTE: '1000' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, stop: () => { child.kill(); rmSync(data, { recursive: true, force: true }); } };
}

/** Every response the page fetched: url, bytes on the wire, whether it came from the cache. */
async function recordNetwork(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    const r = e.response;
    const seen = requests.get(e.requestId);
    requests.set(e.requestId, {
      url: r.url,
      status: r.status,
      bytes: 0,
      // The disk cache says so here; the memory cache by requestServedFromCache.
      cached: Boolean(seen?.cached || r.fromDiskCache || r.fromPrefetchCache || r.fromServiceWorker),
      encoding: r.headers['content-encoding'] ?? r.headers['Content-Encoding'] ?? '',
    });
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    const r = requests.get(e.requestId) ?? { url: '?', bytes: 0 };
    requests.set(e.requestId, { ...r, cached: true });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  return requests;
}

/** Opens the lobby and waits until it answers a click; returns ms from navigation start. */
async function openLobby(page, base) {
  await page.goto(`${base}/`, { waitUntil: 'commit' });
  await page.getByTestId('new-room').waitFor({ state: 'visible' });
  await page.locator('[data-testid="room-list"]:not([hidden]), [data-testid="rooms-empty"]').first().waitFor();
  await page.waitForLoadState('networkidle');
  return page.evaluate(() => performance.now());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;

const server = await startServer();
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const firsts = [];
  let repeat;
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext();
    const email = `bench.${Date.now()}.${run}@duet.test`;
    const res = await context.request.post(`${server.base}/api/signup`, {
      data: { name: 'Bench', email, password: 'correct horse battery' },
    });
    if (res.status() !== 201) throw new Error(`sign-up: ${res.status()} ${await res.text()}`);
    const page = await context.newPage();
    const first = await recordNetwork(context, page);
    const tti = await openLobby(page, server.base);
    const files = [...first.values()];
    firsts.push({ tti, bytes: files.reduce((s, r) => s + r.bytes, 0), files });
    if (run === RUNS - 1) {
      // The same browser comes back: only index.html and the API may cross the wire.
      const again = await context.newPage();
      const second = await recordNetwork(context, again);
      const tti2 = await openLobby(again, server.base);
      const files2 = [...second.values()];
      repeat = {
        tti: tti2,
        bytes: files2.reduce((s, r) => s + r.bytes, 0),
        files: files2,
        appFilesFetched: files2.filter((r) => !r.cached && !r.url.includes('/api/') && !new URL(r.url).pathname.match(/^\/($|index\.html$)/)).map((r) => r.url),
      };
    }
    await context.close();
  }
  const typical = firsts.find((f) => f.bytes === median(firsts.map((f) => f.bytes))) ?? firsts[0];
  console.log('\nfirst visit of the lobby (empty cache), the run with the median bytes:');
  for (const r of typical.files) {
    const path = new URL(r.url).pathname;
    console.log(`  ${String(r.status).padEnd(4)} ${(r.encoding || '-').padEnd(5)} ${kb(r.bytes).padStart(10)}  ${path}`);
  }
  const firstBytes = median(firsts.map((f) => f.bytes));
  const report = {
    budgetBytes: BUDGET,
    firstVisit: { bytes: firstBytes, ratioToBudget: firstBytes / BUDGET, ttiMs: median(firsts.map((f) => f.tti)), runs: RUNS },
    repeatVisit: { bytes: repeat.bytes, appFilesFetched: repeat.appFilesFetched, ttiMs: repeat.tti },
  };
  console.log(`\nfirst visit:  ${kb(firstBytes)} on the wire = ${report.firstVisit.ratioToBudget.toFixed(2)} × the ${kb(BUDGET)} budget; interactive after ${report.firstVisit.ttiMs.toFixed(0)} ms (median of ${RUNS})`);
  console.log(`repeat visit: ${kb(repeat.bytes)} on the wire; app files fetched again: ${repeat.appFilesFetched.length === 0 ? 'none' : repeat.appFilesFetched.join(', ')}; interactive after ${repeat.tti.toFixed(0)} ms`);
  if (process.env.OUT) {
    mkdirSync(dirname(process.env.OUT), { recursive: true });
    writeFileSync(process.env.OUT, JSON.stringify(report, null, 2));
  }
} finally {
  await browser.close();
  server.stop();
}
