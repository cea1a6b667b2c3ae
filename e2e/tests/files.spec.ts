import { expect, test, type Page } from '@playwright/test';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Backend, Coturn, freePort, relayPorts } from '../servers';
import { closeAll, expectLink, expectPath, meet, screenshot, type Person } from './helpers';

// Files between the two people in a call, over their own data channel: offers,
// answers, progress on both sides, cancelling, the SHA-256 check, relays, and a
// path that breaks in the middle of a transfer.

const MB = 1024 * 1024;

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function openFiles(page: Page): Promise<void> {
  const button = page.getByTestId('toggle-files');
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(page.getByTestId('files-panel')).toBeVisible();
}

/** `who` picks a file of random bytes named `name`; returns its bytes. */
async function offer(who: Person, name: string, size: number): Promise<Buffer> {
  const bytes = randomBytes(size);
  await openFiles(who.page);
  const input = who.page.getByTestId('file-input');
  if (size <= MB) {
    await input.setInputFiles({ name, mimeType: 'application/octet-stream', buffer: bytes });
  } else {
    // Large files from disk: Playwright passes buffers of at most 50 MB.
    const path = join(mkdtempSync(join(tmpdir(), 'duet-files-')), name);
    writeFileSync(path, bytes);
    await input.setInputFiles(path);
  }
  return bytes;
}

function transfer(page: Page, name: string, direction: 'in' | 'out') {
  return page.locator(`[data-testid="transfer"][data-direction="${direction}"][data-name="${name}"]`);
}

/**
 * Records every progress figure the page shows from now on (a fast transfer may show
 * each for only a moment), so a test can say progress was seen, not merely polled.
 */
async function recordProgress(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: { done: number; text: string }[] = [];
    (window as any).__progressSeen = seen;
    const look = () =>
      document.querySelectorAll<HTMLElement>('[data-testid="transfer-progress"]').forEach((p) => {
        const text = p.parentElement?.querySelector('[data-testid="transfer-figures"]')?.textContent ?? '';
        seen.push({ done: Number(p.dataset.done), text });
      });
    new MutationObserver(look).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

async function progressSeen(page: Page): Promise<{ done: number; text: string }[]> {
  return page.evaluate(() => (window as any).__progressSeen ?? []);
}

/** Saves the verified file from the receiver's page; its SHA-256, computed in Node. */
async function savedHash(page: Page, name: string): Promise<string> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    transfer(page, name, 'in').getByTestId('transfer-save').click(),
  ]);
  expect(download.suggestedFilename()).toBe(name);
  const path = await download.path();
  return sha256(readFileSync(path));
}

/** `from` sends `size` random bytes to `to`, who accepts; checks progress and the hash. */
async function sendAndVerify(from: Person, to: Person, name: string, size: number, timeout = 120_000): Promise<void> {
  await openFiles(to.page);
  await recordProgress(from.page);
  await recordProgress(to.page);
  const bytes = await offer(from, name, size);
  const incoming = transfer(to.page, name, 'in');
  await expect(incoming).toHaveAttribute('data-state', 'asking');
  await expect(incoming).toContainText(`${(size / MB).toFixed(1)} MB`);
  // A file from disk gets its type from its name; these have none the browser knows.
  await expect(incoming).toContainText(/application\/octet-stream|unknown type/);
  await expect(transfer(from.page, name, 'out')).toHaveAttribute('data-state', 'offered');
  await incoming.getByTestId('transfer-accept').click();
  await expect(transfer(from.page, name, 'out')).toHaveAttribute('data-state', 'sent', { timeout });
  await expect(incoming).toHaveAttribute('data-state', 'ready');
  expect(await savedHash(to.page, name)).toBe(sha256(bytes));
  for (const page of [from.page, to.page]) {
    const seen = await progressSeen(page);
    // Partway figures, with a speed, on both sides.
    expect(seen.some((s) => s.done > 0 && s.done < size), JSON.stringify(seen.slice(0, 5))).toBe(true);
    expect(seen.some((s) => /MB\/s|KB\/s/.test(s.text))).toBe(true);
  }
}

test('a 50 MB file each way arrives whole (SHA-256 equal), with progress on both sides', async ({ browser }) => {
  test.setTimeout(240_000);
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser));
    await sendAndVerify(ada, bob, 'from-ada.bin', 50 * MB);
    await sendAndVerify(bob, ada, 'from-bob.bin', 50 * MB);
    await screenshot(bob.page, 'files-received');
  } finally {
    await closeAll(ada, bob);
  }
});

test('a declined file, a cancel midway, and odd names', async ({ browser }) => {
  test.setTimeout(180_000);
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser));
    await openFiles(bob.page);
    await offer(ada, 'unwanted.txt', 1000);
    await transfer(bob.page, 'unwanted.txt', 'in').getByTestId('transfer-decline').click();
    await expect(transfer(ada.page, 'unwanted.txt', 'out')).toHaveAttribute('data-state', 'declined');
    await expect(transfer(bob.page, 'unwanted.txt', 'in')).toHaveAttribute('data-state', 'declined');

    // The receiver cancels as soon as bytes move; nothing is offered for saving.
    await offer(ada, 'big.bin', 200 * MB);
    const incoming = transfer(bob.page, 'big.bin', 'in');
    await incoming.getByTestId('transfer-accept').click();
    await expect(incoming).toHaveAttribute('data-state', /moving|paused/);
    await incoming.getByTestId('transfer-cancel').click();
    await expect(incoming).toHaveAttribute('data-state', 'cancelled');
    await expect(incoming.getByTestId('transfer-save')).toHaveCount(0);
    await expect(transfer(ada.page, 'big.bin', 'out')).toHaveAttribute('data-state', 'cancelled');
    await expect(transfer(ada.page, 'big.bin', 'out')).toContainText('Cancelled by the other person');

    // An empty file with a name that tries to leave its folder.
    await offer(ada, '..\\..\\evil.txt', 0);
    const safe = transfer(bob.page, '_.._evil.txt', 'in');
    await safe.getByTestId('transfer-accept').click();
    await expect(safe).toHaveAttribute('data-state', 'ready');
    expect(await savedHash(bob.page, '_.._evil.txt')).toBe(sha256(Buffer.alloc(0)));
  } finally {
    await closeAll(ada, bob);
  }
});

test('a file through a relay-only call (the TURN server embedded in duet)', async ({ browser }) => {
  test.setTimeout(180_000);
  const turnPort = await freePort();
  const [low, high] = relayPorts();
  const server = await Backend.start({
    name: 'files-relay',
    args: [
      '--turn',
      '--turn-listen', `127.0.0.1:${turnPort}`,
      '--turn-relay-ip', '127.0.0.1',
      '--turn-relay-ports', `${low}-${high}`,
      '--turn-allow-private-peers',
      '--ice-transport-policy', 'relay',
    ],
  });
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { server: server.baseURL, type: 'business' }));
    await expectPath(ada.page, 'relay', /^Relayed via TURN/);
    await sendAndVerify(ada, bob, 'relayed.bin', 20 * MB);
  } finally {
    await closeAll(ada, bob);
    await server.stop();
  }
});

test('the sender\'s path breaks mid-transfer: it pauses, then resumes and arrives whole', async ({ browser }) => {
  test.setTimeout(240_000);
  const secret = randomBytes(24).toString('hex');
  const coturn = await Coturn.start(secret);
  const server = await Backend.start({
    name: 'files-resume',
    args: ['--turn-urls', coturn.url, '--ice-transport-policy', 'relay'],
    env: { TURN_SECRET: secret },
  });
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { server: server.baseURL, type: 'business' }));
    await openFiles(bob.page);
    const size = 200 * MB;
    const bytes = await offer(ada, 'resumed.bin', size);
    const incoming = transfer(bob.page, 'resumed.bin', 'in');
    await incoming.getByTestId('transfer-accept').click();
    await expect(incoming).toHaveAttribute('data-state', 'moving');
    // Every path of the call goes through coturn: killing it cuts the sender off.
    await coturn.kill();
    await expect(transfer(ada.page, 'resumed.bin', 'out')).toHaveAttribute('data-state', 'paused', { timeout: 30_000 });
    await expect(transfer(ada.page, 'resumed.bin', 'out')).toContainText('paused: waiting for the connection');
    const doneAtBreak = Number(await incoming.getByTestId('transfer-progress').getAttribute('data-done'));
    expect(doneAtBreak).toBeLessThan(size);
    await screenshot(ada.page, 'files-paused');
    await coturn.launch();
    await expectLink(ada.page, 'connected', 60_000);
    await expect(transfer(ada.page, 'resumed.bin', 'out')).toHaveAttribute('data-state', 'sent', { timeout: 120_000 });
    await expect(incoming).toHaveAttribute('data-state', 'ready');
    expect(await savedHash(bob.page, 'resumed.bin')).toBe(sha256(bytes));
  } finally {
    await closeAll(ada, bob);
    await server.stop();
    await coturn.stop();
  }
});
