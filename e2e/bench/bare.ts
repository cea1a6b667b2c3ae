import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import type { Sample } from './report';

/**
 * `duet-bare-signal` (crates/setupbench): the bare WebRTC page and its WebSocket relay,
 * the least a call needs, on its own port.
 */
export class BareServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts the server on a free port; resolves once it says where it listens. */
  static async start(): Promise<BareServer> {
    const bin = process.env.DUET_BARE_SIGNAL_BIN ?? join(resolve(__dirname, '..', '..'), 'target', 'debug', 'duet-bare-signal');
    const child = spawn(bin, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((ok, fail) => {
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`${bin} exited with code ${code}`)));
      lines.once('line', (line) => {
        const match = /^listening on http:\/\/127\.0\.0\.1:(\d+)$/.exec(line);
        if (match) ok(Number(match[1]));
        else fail(new Error(`${bin} said ${JSON.stringify(line)}`));
      });
    });
    return new BareServer(child, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

interface BareState {
  readyAt?: number;
  connectedAt?: number;
  error?: string;
}

async function bareState(page: Page): Promise<BareState & { origin: number }> {
  return page.evaluate(() => ({ ...(window as any).__bare, origin: performance.timeOrigin }));
}

async function waitFor(page: Page, field: 'readyAt' | 'connectedAt'): Promise<void> {
  try {
    await page.waitForFunction(
      (field) => {
        const bare = (window as any).__bare;
        if (bare?.error) throw new Error(bare.error);
        return bare?.[field] !== undefined;
      },
      field,
      { timeout: 30_000 },
    );
  } catch (e) {
    throw new Error(`bare page: no ${field}: ${(e as Error).message}`);
  }
}

/**
 * One bare call: A opens the answering page and waits; B is on the site's page and
 * opens the offering page. B's time runs from that navigation to 'connected'.
 */
export async function bareRun(browser: Browser, server: BareServer, run: number): Promise<Sample> {
  const room = `run-${Date.now()}-${run}`;
  const a = await browser.newContext({ baseURL: server.url });
  const b = await browser.newContext({ baseURL: server.url });
  try {
    const pageA = await a.newPage();
    await pageA.goto(`/?role=answer&room=${room}`);
    await waitFor(pageA, 'readyAt');
    // Like Duet's B, who is signed in on the home page: the site was loaded before.
    const pageB = await b.newPage();
    await pageB.goto('/');
    await pageB.goto(`/?role=offer&room=${room}`);
    await waitFor(pageB, 'connectedAt');
    await waitFor(pageA, 'connectedAt');
    const stateB = await bareState(pageB);
    const stateA = await bareState(pageA);
    return {
      connectedMs: stateB.connectedAt!,
      peerConnectedMs: stateA.origin + stateA.connectedAt! - stateB.origin,
      milestones: { ready: stateB.readyAt! },
    };
  } finally {
    await a.close();
    await b.close();
  }
}
