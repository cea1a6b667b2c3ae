import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The real processes the end-to-end tests run against: Duet backends (the one for
 * the whole suite, and extra ones a test needs: a TURN-only setup, two instances
 * over Redis, one to kill and start again) and coturn. Each logs to
 * e2e/artifacts/<name>.log. Builds nothing: scripts/e2e.sh builds first.
 */
const root = resolve(__dirname, '..');
const artifacts = join(__dirname, 'artifacts');

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
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

/** A random block of `size` ports above 40000 for TURN relays (rarely in use). */
export function relayPorts(size = 100): [number, number] {
  const start = 40_000 + Math.floor(Math.random() * 200) * size;
  return [start, start + size - 1];
}

function paths(): { bin: string; dist: string } {
  const bin = process.env.DUET_BIN ?? join(root, 'target', 'debug', 'duet');
  const dist = process.env.DUET_DIST ?? join(root, 'dist');
  for (const [what, path] of [['backend binary', bin], ['built app', join(dist, 'index.html')]]) {
    if (!existsSync(path)) throw new Error(`missing ${what} at ${path}; run scripts/e2e.sh`);
  }
  return { bin, dist };
}

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what}: the process exited with code ${child.exitCode}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up in time`);
}

async function stopChild(child: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** The test run's environment without Duet's own settings: a backend gets only its options. */
function ownEnvironment(): Record<string, string> {
  const env: Record<string, string> = { RUST_LOG: process.env.RUST_LOG ?? 'info' };
  const settings = /^(DATABASE_URL|REDIS_|METRICS_ADDR|TURN_|STUN_URLS|ICE_TRANSPORT_POLICY|JWT_SECRET|PUBLIC_URL|DUET_ENV|PORT|HOST)/;
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !settings.test(key) && key !== 'RUST_LOG') env[key] = value;
  }
  return env;
}

export interface BackendOptions {
  /** Names the log file: e2e/artifacts/backend-<name>.log. */
  name: string;
  /** Extra command-line flags. */
  args?: string[];
  /** Extra environment. */
  env?: Record<string, string>;
  /** The database; a fresh SQLite file in the data folder by default. */
  databaseUrl?: string;
}

/** One `duet` process on its own port; it can be killed and started again on that port. */
export class Backend {
  private child: ChildProcess | null = null;

  private constructor(
    private readonly options: BackendOptions,
    readonly port: number,
    readonly dataDir: string,
  ) {}

  /** Starts a backend on a free port with a fresh data folder and waits until it answers. */
  static async start(options: BackendOptions): Promise<Backend> {
    const dataDir = mkdtempSync(join(tmpdir(), `duet-e2e-${options.name}-`));
    const backend = new Backend(options, await freePort(), dataDir);
    await backend.launch();
    return backend;
  }

  get baseURL(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts the process again (same port, data and database) after `kill`. */
  async launch(): Promise<void> {
    const { bin, dist } = paths();
    mkdirSync(artifacts, { recursive: true });
    const log = createWriteStream(join(artifacts, `backend-${this.options.name}.log`), { flags: 'a' });
    const child = spawn(
      bin,
      [
        '--host', '127.0.0.1',
        '--port', String(this.port),
        '--static-dir', dist,
        '--data-dir', this.dataDir,
        '--database-url', this.options.databaseUrl ?? `sqlite://${this.dataDir}/e2e.db?mode=rwc`,
        // No STUN: the tests must never reach outside the machine.
        '--stun-urls', '',
        '--auth-rate-per-minute', '1000',
        ...(this.options.args ?? []),
      ],
      {
        cwd: this.dataDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...ownEnvironment(), ...this.options.env },
      },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.child = child;
    try {
      await waitFor(`backend ${this.options.name}`, async () => (await fetch(`${this.baseURL}/healthz`)).ok, child, 30_000);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    }
  }

  /** Ends the process at once, as a crash or a lost machine would. */
  async kill(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
  }

  /** Stops the process (SIGTERM: the graceful shutdown) and removes its data folder. */
  async stop(): Promise<void> {
    await stopChild(this.child, 'SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Debian's coturn with the TURN REST API secret (`use-auth-secret`), on loopback. */
export class Coturn {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly secret: string,
    private readonly dir: string,
    private readonly relays: [number, number],
  ) {}

  static async start(secret: string): Promise<Coturn> {
    const dir = mkdtempSync(join(tmpdir(), 'duet-e2e-coturn-'));
    const coturn = new Coturn(await freePort(), secret, dir, relayPorts());
    await coturn.launch();
    return coturn;
  }

  /** `turn:` URL for the backend's TURN_URLS. */
  get url(): string {
    return `turn:127.0.0.1:${this.port}?transport=udp`;
  }

  /** Starts coturn (again) on its port. */
  async launch(): Promise<void> {
    mkdirSync(artifacts, { recursive: true });
    const child = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${this.port}`,
        `--min-port=${this.relays[0]}`, `--max-port=${this.relays[1]}`,
        '--use-auth-secret', `--static-auth-secret=${this.secret}`, '--realm=duet.test',
        // Only for this test: both browsers' relays are on loopback.
        '--allow-loopback-peers',
        '--no-cli', '--no-tls', '--no-dtls',
        `--pidfile=${this.dir}/turn.pid`, `--userdb=${this.dir}/turndb`,
        `--log-file=${join(artifacts, 'coturn.log')}`, '--no-stdout-log',
      ],
      { stdio: 'ignore' },
    );
    this.child = child;
    // coturn answers a STUN binding on UDP; `turnutils_stunclient` asks it.
    await waitFor(
      'coturn',
      async () => spawnSync('turnutils_stunclient', ['-p', String(this.port), '127.0.0.1'], { timeout: 2_000 }).status === 0,
      child,
      15_000,
    );
  }

  /** Ends coturn at once: every allocation is gone. */
  async kill(): Promise<void> {
    await stopChild(this.child, 'SIGKILL');
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A fresh Postgres database on the machine's server, for a multi-instance test. */
export function createDatabase(): { url: string; drop: () => void } {
  const name = `duet_e2e_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const psql = (sql: string) => {
    const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`psql ${sql}: ${r.stderr}`);
  };
  psql(`CREATE DATABASE ${name}`);
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
