import { expect, test } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { baseURL, closeAll, createRoom, expectLink, openPanel, PASSWORD, person, send, uniqueEmail, type Person } from './helpers';

// Another client on the shared crate: `duet-cli chat` (crates/cli, on the duet-client
// library) in the same room as a person in the browser. The test is the terminal's user:
// it types on the program's stdin and reads its stdout.

/** The terminal client scripts/e2e.sh built (a copy, like the backend's). */
function cliBinary(): string {
  const bin = process.env.DUET_CLI_BIN ?? resolve(__dirname, '..', '..', 'target', 'debug', 'duet-cli');
  if (!existsSync(bin)) throw new Error(`missing the terminal client at ${bin}; run scripts/e2e.sh`);
  return bin;
}

/** A running `duet-cli` whose stdout lines are awaited one by one. */
class Terminal {
  private lines: string[] = [];
  private waiters: (() => void)[] = [];
  readonly stderr: string[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const wake of this.waiters.splice(0)) wake();
    });
    createInterface({ input: child.stderr }).on('line', (line) => this.stderr.push(line));
  }

  /** Waits until a printed line satisfies `match`, consuming the lines up to it. */
  async expectLine(match: (line: string) => boolean, what: string, ms = 30_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const at = this.lines.findIndex(match);
      if (at >= 0) return this.lines.splice(0, at + 1)[at];
      if (this.child.exitCode !== null) throw new Error(`duet-cli exited (${this.child.exitCode}) before "${what}": ${this.stderr.join('\n')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`duet-cli never printed "${what}"; it printed ${JSON.stringify(this.lines)}; stderr ${JSON.stringify(this.stderr)}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Ctrl-D: the chat leaves the room and the program exits with its code. */
  async endInput(): Promise<number | null> {
    const exited = new Promise<number | null>((ok) => this.child.once('exit', (code) => ok(code)));
    this.child.stdin.end();
    return this.child.exitCode ?? (await exited);
  }
}

test('a person in the browser and one in the terminal chat both ways', async ({ browser }) => {
  let ada: Person | undefined;
  let terminal: Terminal | undefined;
  const config = mkdtempSync(join(tmpdir(), 'duet-cli-'));
  try {
    ada = await person(browser, 'Ada');
    await createRoom(ada.page, `Terminal ${Date.now()}`, 'coding', 'public');
    await expectLink(ada.page, 'waiting');
    await openPanel(ada.page, 'chat');
    const roomId = new URL(ada.page.url()).pathname.split('/').pop() ?? '';

    // Cy signs up as a script would (the API), then runs the terminal client with the token.
    const signup = await fetch(`${baseURL()}/api/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Cy', email: uniqueEmail('Cy'), password: PASSWORD }),
    });
    expect(signup.status).toBe(201);
    const { token } = (await signup.json()) as { token: string };
    const env = { ...process.env, DUET_URL: baseURL(), DUET_TOKEN: token, HOME: config, XDG_CONFIG_HOME: config };
    terminal = new Terminal(spawn(cliBinary(), ['chat', roomId], { env, stdio: 'pipe' }));

    await terminal.expectLine((l) => l.startsWith('* You are in'), 'You are in');
    await terminal.expectLine((l) => l === '* Ada is here', 'Ada is here');

    // Browser → terminal.
    const fromBrowser = `hello from the browser ${Date.now()}`;
    await send(ada.page, fromBrowser);
    await terminal.expectLine((l) => l === `Ada: ${fromBrowser}`, `Ada: ${fromBrowser}`);

    // Terminal → browser, shown as Cy's line.
    const fromTerminal = `hello from the terminal ${Date.now()}`;
    terminal.type(fromTerminal);
    const line = ada.page.getByTestId('chat-message').filter({ hasText: fromTerminal });
    await expect(line).toHaveCount(1);
    await expect(line).toHaveAttribute('data-own', 'false');
    await expect(line).toContainText('Cy');

    // The browser leaves; the terminal says so.
    await ada.page.goto('/');
    await terminal.expectLine((l) => l === '* Ada left', 'Ada left');
    expect(await terminal.endInput()).toBe(0);
  } finally {
    terminal?.child.kill('SIGKILL');
    await closeAll(ada);
    rmSync(config, { recursive: true, force: true });
  }
});
