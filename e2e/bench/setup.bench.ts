import { test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Backend } from '../servers';
import { BareServer, bareRun } from './bare';
import { Delay, handshakeMs } from './delay';
import { duetRun } from './duet';
import { setupResult, table, writeJson, type Sample, type Scenario } from './report';

/**
 * Page load → connected, Duet against a bare RTCPeerConnection exchange in the same
 * browser, on loopback and with the added delay (when scripts/bench-setup.sh set one
 * up). Runs alternate Duet and bare so a slow moment of the machine hits both.
 */
const runs = Number(process.env.BENCH_RUNS ?? 15);
const warmup = Number(process.env.BENCH_WARMUP ?? 1);
const out = process.env.BENCH_OUT ?? join(resolve(__dirname, '..', '..'), 'target', 'bench', 'setup.json');

test('page load → connected: Duet ÷ bare WebRTC, loopback and delayed', async ({ browser }) => {
  const backend = await Backend.start({ name: 'bench-setup' });
  const bare = await BareServer.start();
  const delay = Delay.fromEnv();
  const scenarios: Scenario[] = [];
  try {
    const networks = [{ name: 'loopback', oneWayMs: 0 }];
    if (delay) networks.push({ name: `+${delay.oneWayMs} ms each way`, oneWayMs: delay.oneWayMs });
    else console.log('no delay set up (run through scripts/bench-setup.sh): loopback only');
    for (const network of networks) {
      if (network.oneWayMs > 0) delay!.on([backend.port, bare.port]);
      try {
        const handshake = { duet: await handshakeMs(backend.port), bare: await handshakeMs(bare.port) };
        // The delay is really there (or really absent): a handshake is one round trip.
        const expected = 2 * network.oneWayMs;
        for (const [server, rtt] of Object.entries(handshake)) {
          if (rtt < expected * 0.95 || rtt > expected * 1.5 + 20) {
            throw new Error(`${network.name}: a TCP handshake with the ${server} server took ${rtt.toFixed(1)} ms, expected ≈ ${expected} ms`);
          }
        }
        const samples: { duet: Sample[]; bare: Sample[] } = { duet: [], bare: [] };
        for (let run = 0; run < warmup + runs; run++) {
          const duet = await duetRun(browser, backend.baseURL, run);
          const plain = await bareRun(browser, bare, run);
          console.log(`${network.name} run ${run + 1 - warmup}: Duet ${Math.round(duet.connectedMs)} ms, bare ${Math.round(plain.connectedMs)} ms${run < warmup ? ' (warm-up, not counted)' : ''}`);
          if (run < warmup) continue;
          samples.duet.push(duet);
          samples.bare.push(plain);
        }
        const duet = setupResult(samples.duet);
        const plain = setupResult(samples.bare);
        scenarios.push({
          name: network.name,
          oneWayDelayMs: network.oneWayMs,
          handshakeMs: handshake,
          duet,
          bare: plain,
          ratio: duet.connected.median / plain.connected.median,
        });
      } finally {
        if (network.oneWayMs > 0) delay!.off();
      }
    }
  } finally {
    await bare.stop();
    await backend.stop();
  }
  const label = process.env.BENCH_LABEL ?? 'unnamed build';
  const text = table(scenarios, runs, label);
  writeJson(out, {
    measured: new Date().toISOString(),
    build: label,
    runs,
    warmup,
    what: "person B's page: navigation start of the room link → connected, while A waits in the room",
    delay: 'NFQUEUE (iptables-legacy OUTPUT on lo, both directions of the servers\' TCP ports) held by duet-netdelay; browser↔browser media and ICE not delayed',
    scenarios,
  });
  writeFileSync(out.replace(/\.json$/, '.txt'), `${text}\n`);
  console.log(`\n${text}\n\nwritten: ${out}`);
});
