import { expect, test, type Browser, type Page } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Backend } from '../servers';
import { closeAll, meet } from '../tests/helpers';

/**
 * File transfer throughput on loopback: Duet (its file channel, SHA-256 on both
 * sides, acks, the Blob on the receiver) against a bare ordered RTCDataChannel
 * between two pages of the same browser sending the same bytes the same way
 * (1 MiB File.slice reads, 64 KiB messages, the same back-pressure marks), with
 * nothing else. Runs alternate so a slow moment of the machine hits both.
 */
const MB = 1024 * 1024;
const sizeMb = Number(process.env.BENCH_FILE_MB ?? 64);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const out = process.env.BENCH_OUT ?? join(resolve(__dirname, '..', '..'), 'target', 'bench', 'files.json');

test('file throughput: Duet ÷ a bare data channel, loopback', async ({ browser }) => {
  const backend = await Backend.start({ name: 'bench-files' });
  const bytes = randomBytes(sizeMb * MB);
  // Picked from disk: Playwright passes buffers of at most 50 MB.
  const file = join(mkdtempSync(join(tmpdir(), 'duet-bench-files-')), 'payload.bin');
  writeFileSync(file, bytes);
  const duet: number[] = [];
  const bare: number[] = [];
  try {
    const { ada, bob } = await meet(browser, { server: backend.baseURL });
    try {
      // Cameras off: the two pages' video encoders and decoders would otherwise take
      // most of the CPU the bare pages spend on bytes alone (the microphones stay on).
      for (const p of [ada, bob]) {
        await p.page.getByTestId('toggle-camera').click();
        await expect(p.page.getByTestId('toggle-camera')).toHaveAttribute('data-state', 'off');
        await p.page.getByTestId('toggle-files').click();
      }
      for (let run = 0; run < runs; run++) {
        duet.push(await duetRun(ada.page, bob.page, `run-${run}`, file, bytes.length));
        bare.push(await bareRun(browser, backend.baseURL, file, bytes.length));
        console.log(`run ${run + 1}: Duet ${duet[run].toFixed(1)} MB/s, bare ${bare[run].toFixed(1)} MB/s`);
      }
    } finally {
      await closeAll(ada, bob);
    }
  } finally {
    await backend.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const result = {
    fileMb: sizeMb,
    runs,
    duetMBps: duet,
    bareMBps: bare,
    duetMedian: median(duet),
    bareMedian: median(bare),
    ratio: median(duet) / median(bare),
  };
  const text = [
    `File transfer on loopback, ${sizeMb} MB, median of ${runs} runs:`,
    `  Duet  ${result.duetMedian.toFixed(1)} MB/s (runs: ${duet.map((x) => x.toFixed(1)).join(', ')})`,
    `  bare  ${result.bareMedian.toFixed(1)} MB/s (runs: ${bare.map((x) => x.toFixed(1)).join(', ')})`,
    `  Duet ÷ bare = ${result.ratio.toFixed(2)}`,
  ].join('\n');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  writeFileSync(out.replace(/\.json$/, '.txt'), `${text}\n`);
  console.log(text);
});

/** Ada offers `bytes`; MB/s from Bob's Accept click to the file verified on his side. */
async function duetRun(ada: Page, bob: Page, run: string, file: string, size: number): Promise<number> {
  // Each run's file under its own name, so its row is told from the earlier ones.
  const name = `${run}.bin`;
  const renamed = join(mkdtempSync(join(tmpdir(), 'duet-bench-run-')), name);
  copyFileSync(file, renamed);
  await ada.getByTestId('file-input').setInputFiles(renamed);
  const incoming = bob.locator(`[data-testid="transfer"][data-direction="in"][data-name="${name}"]`);
  await expect(incoming).toHaveAttribute('data-state', 'asking');
  // Timed in the page: the click, then the moment the row says "ready".
  await bob.evaluate((name) => {
    const w = window as any;
    w.__benchDone = new Promise<number>((done) => {
      const check = () => {
        const row = document.querySelector(`[data-testid="transfer"][data-direction="in"][data-name="${name}"]`);
        if (row?.getAttribute('data-state') === 'ready') done(performance.now());
      };
      new MutationObserver(check).observe(document.body, { subtree: true, attributes: true, childList: true });
    });
    w.__benchStart = performance.now();
    (document.querySelector(`[data-testid="transfer"][data-name="${name}"] [data-testid="transfer-accept"]`) as HTMLElement).click();
  }, name);
  const ms = await bob.evaluate(async () => ((await (window as any).__benchDone) as number) - (window as any).__benchStart);
  return size / MB / (ms / 1000);
}

/** The same bytes between two fresh pages over a bare ordered data channel. */
async function bareRun(browser: Browser, origin: string, file: string, size: number): Promise<number> {
  const contexts = [await browser.newContext(), await browser.newContext()];
  try {
    const [a, b] = await Promise.all(contexts.map((c) => c.newPage()));
    for (const page of [a, b]) {
      // A page of the server's origin (a secure context) with the microphone granted,
      // so host candidates carry real addresses, as on Duet's call page.
      await page.goto(`${origin}/healthz`);
      await page.setContent('<input type="file" id="f">');
      await page.evaluate(async () => (await navigator.mediaDevices.getUserMedia({ audio: true })).getTracks().forEach((t) => t.stop()));
    }
    await a.locator('#f').setInputFiles(file);
    // Non-trickle offer/answer, passed through this script.
    const offer = await a.evaluate(async () => {
      const pc = new RTCPeerConnection();
      const dc = pc.createDataChannel('bare', { ordered: true });
      dc.binaryType = 'arraybuffer';
      (window as any).__dc = dc;
      (window as any).__pc = pc;
      await pc.setLocalDescription();
      await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
      return pc.localDescription!.toJSON();
    });
    const answer = await b.evaluate(async (offer) => {
      const pc = new RTCPeerConnection();
      (window as any).__pc = pc;
      (window as any).__received = new Promise<number>((done) => {
        pc.addEventListener('datachannel', (ev) => {
          const dc = ev.channel;
          dc.binaryType = 'arraybuffer';
          const parts: ArrayBuffer[] = [];
          dc.addEventListener('message', (m) => {
            if (typeof m.data === 'string') {
              // The end: the bytes become one Blob, as Duet's receiver makes.
              const blob = new Blob(parts);
              done(blob.size);
              return;
            }
            parts.push(m.data);
          });
        });
      });
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription();
      await new Promise<void>((r) => (pc.iceGatheringState === 'complete' ? r() : pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r())));
      return pc.localDescription!.toJSON();
    }, offer);
    await a.evaluate(async (answer) => {
      const w = window as any;
      await w.__pc.setRemoteDescription(answer);
      const dc = w.__dc as RTCDataChannel;
      if (dc.readyState !== 'open') await new Promise((r) => dc.addEventListener('open', r, { once: true }));
    }, answer);
    const receiving = b.evaluate(async () => [await (window as any).__received, performance.now()] as [number, number]);
    const started = await a.evaluate(async () => {
      const dc = (window as any).__dc as RTCDataChannel;
      const file = (document.getElementById('f') as HTMLInputElement).files![0];
      const SLICE = 1024 * 1024;
      const CHUNK = 64 * 1024;
      const HIGH = 4 * 1024 * 1024;
      dc.bufferedAmountLowThreshold = 1024 * 1024;
      const start = performance.now() + performance.timeOrigin;
      for (let offset = 0; offset < file.size; offset += SLICE) {
        const slice = new Uint8Array(await file.slice(offset, offset + SLICE).arrayBuffer());
        for (let at = 0; at < slice.length; at += CHUNK) dc.send(slice.subarray(at, at + CHUNK));
        if (dc.bufferedAmount > HIGH) await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }));
      }
      dc.send('done');
      return start;
    });
    const [received, doneAt] = await receiving;
    const originB = await b.evaluate(() => performance.timeOrigin);
    expect(received).toBe(size);
    const ms = doneAt + originB - started;
    return size / MB / (ms / 1000);
  } finally {
    for (const c of contexts) await c.close();
  }
}
