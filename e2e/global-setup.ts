import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Starts the already-built backend (`target/debug/duet`, serving `dist/`) on a free
 * port with a fresh SQLite database, and stops it after the run. Builds nothing:
 * scripts/e2e.sh builds first.
 */
const root = resolve(__dirname, '..');

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => ok(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the backend exited with code ${child.exitCode}; see e2e/artifacts/backend.log`);
    }
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the backend did not answer ${url} in time`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = process.env.DUET_BIN ?? join(root, 'target', 'debug', 'duet');
  const dist = process.env.DUET_DIST ?? join(root, 'dist');
  for (const [what, path] of [['backend binary', bin], ['built app', join(dist, 'index.html')]]) {
    if (!existsSync(path)) throw new Error(`missing ${what} at ${path}; run scripts/e2e.sh`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'duet-e2e-'));
  const artifacts = join(__dirname, 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  const port = await freePort();
  const log = createWriteStream(join(artifacts, 'backend.log'));
  const child = spawn(
    bin,
    [
      '--host', '127.0.0.1',
      '--port', String(port),
      '--static-dir', dist,
      '--data-dir', dataDir,
      '--database-url', `sqlite://${dataDir}/e2e.db?mode=rwc`,
      // No STUN: the tests must never reach outside the machine.
      '--stun-urls', '',
      '--auth-rate-per-minute', '1000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' } },
  );
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const baseURL = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(`${baseURL}/healthz`, child, Date.now() + 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  process.env.DUET_BASE_URL = baseURL;

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
}
