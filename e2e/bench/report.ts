import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One measured call, times in ms from B's navigation start. */
export interface Sample {
  /** B's connection is up (Duet: link state 'connected'; bare: connectionState). */
  connectedMs: number;
  /** A's side is up, on B's clock. */
  peerConnectedMs: number;
  /** When B first reached each earlier step (Duet: each link state; bare: socket and camera ready). */
  milestones: Record<string, number>;
}

/** Median and 90th percentile (nearest rank) of some times. */
export interface Summary {
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** The figures of one set-up (Duet or bare) on one network. */
export interface SetupResult {
  samples: Sample[];
  connected: Summary;
  peerConnected: Summary;
  milestones: Record<string, Summary>;
}

/** Both set-ups on one network, and how they compare. */
export interface Scenario {
  name: string;
  oneWayDelayMs: number;
  /** One TCP handshake with each server, as measured before the runs. */
  handshakeMs: { duet: number; bare: number };
  duet: SetupResult;
  bare: SetupResult;
  /** Median of Duet ÷ median of bare, for B's page load → connected. */
  ratio: number;
}

/** The quantile `q` of `values` by nearest rank. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

/** The median (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function summary(values: number[]): Summary {
  return { median: median(values), p90: quantile(values, 0.9), min: Math.min(...values), max: Math.max(...values) };
}

/** Summarises the samples of one set-up. */
export function setupResult(samples: Sample[]): SetupResult {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.milestones)))];
  const milestones: Record<string, Summary> = {};
  for (const name of names) {
    milestones[name] = summary(samples.map((s) => s.milestones[name]).filter((v) => v !== undefined));
  }
  return {
    samples,
    connected: summary(samples.map((s) => s.connectedMs)),
    peerConnected: summary(samples.map((s) => s.peerConnectedMs)),
    milestones,
  };
}

const ms = (v: number) => `${Math.round(v)}`.padStart(7);

/** The results as a table for people. */
export function table(scenarios: Scenario[], runs: number, label: string): string {
  const lines = [
    `Page load → connected: person B opens the room link while A waits (ms from B's navigation start; ${runs} runs each)`,
    `Build: ${label}`,
    '',
    `${'network'.padEnd(28)}${'set-up'.padEnd(12)}${'median'.padStart(7)}${'p90'.padStart(7)}  ${'A side'.padStart(7)}  B's steps (medians)`,
  ];
  for (const s of scenarios) {
    for (const [setup, r] of [['Duet', s.duet], ['bare', s.bare]] as const) {
      const steps = Object.entries(r.milestones)
        .sort((x, y) => x[1].median - y[1].median)
        .map(([name, m]) => `${name} ${Math.round(m.median)}`)
        .join(', ');
      const network = setup === 'Duet' ? s.name : `  (handshake ${s.handshakeMs.duet.toFixed(1)} ms)`;
      lines.push(`${network.padEnd(28)}${setup.padEnd(12)}${ms(r.connected.median)}${ms(r.connected.p90)}  ${ms(r.peerConnected.median)}  ${steps}`);
    }
    lines.push(`${''.padEnd(28)}${'Duet ÷ bare'.padEnd(12)}${s.ratio.toFixed(2).padStart(7)}`);
    lines.push('');
  }
  lines.push(
    'Delay: added by an NFQUEUE delayer to every TCP packet between the browsers and the servers',
    '(page load, HTTP API, WebSocket), each way; media and ICE between the two browsers stay on loopback.',
  );
  return lines.join('\n');
}

/** Writes `data` as JSON to `path`, making its folder. */
export function writeJson(path: string, data: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(data, null, 2)}\n`);
}
