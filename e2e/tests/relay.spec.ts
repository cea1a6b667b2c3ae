import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { Backend, Coturn, freePort, relayPorts } from '../servers';
import {
  closeAll,
  expectLink,
  expectMediaBothWays,
  expectPath,
  inboundBytes,
  meet,
  peerState,
  screenshot,
  type Person,
} from './helpers';

// How a call travels, and getting it through TURN when a direct path is not allowed.

test('a direct call says so in the connection details', async ({ browser }) => {
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { type: 'business' }));
    await expectPath(ada.page, 'direct', 'Direct');
    await expectPath(bob.page, 'direct', 'Direct');
  } finally {
    await closeAll(ada, bob);
  }
});

test('relay only, through the TURN server embedded in duet', async ({ browser }) => {
  const turnPort = await freePort();
  const [low, high] = relayPorts();
  const server = await Backend.start({
    name: 'embedded-turn',
    args: [
      '--turn',
      '--turn-listen', `127.0.0.1:${turnPort}`,
      '--turn-relay-ip', '127.0.0.1',
      '--turn-relay-ports', `${low}-${high}`,
      // Both browsers' relayed addresses are on loopback here; never in production.
      '--turn-allow-private-peers',
      '--ice-transport-policy', 'relay',
    ],
  });
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { server: server.baseURL, type: 'business' }));
    // The server offers TURN over UDP and TCP; the browser may settle on either.
    for (const p of [ada, bob]) {
      await expectPath(p.page, 'relay', /^Relayed via TURN \((udp|tcp)\)$/);
      expect(await selectedPairTypes(p)).toEqual(['relay', 'relay']);
    }
    await screenshot(ada.page, 'relayed-embedded');
  } finally {
    await closeAll(ada, bob);
    await server.stop();
  }
});

test.describe('through coturn', () => {
  test.describe.configure({ mode: 'serial' });
  const secret = randomBytes(24).toString('hex');
  let coturn: Coturn;
  let server: Backend;
  let ada: Person | undefined;
  let bob: Person | undefined;

  test.beforeAll(async () => {
    coturn = await Coturn.start(secret);
    server = await Backend.start({
      name: 'coturn',
      args: ['--turn-urls', coturn.url, '--ice-transport-policy', 'relay'],
      env: { TURN_SECRET: secret },
    });
  });

  test.afterAll(async () => {
    await closeAll(ada, bob);
    await server?.stop();
    await coturn?.stop();
  });

  test('relay only, with short-lived credentials from duet', async ({ browser }) => {
    ({ ada, bob } = await meet(browser, { server: server.baseURL, type: 'business' }));
    for (const p of [ada, bob]) {
      await expectPath(p.page, 'relay', 'Relayed via TURN (udp)');
      expect(await selectedPairTypes(p)).toEqual(['relay', 'relay']);
    }
  });

  test('the TURN server restarts: ICE restarts find a new path and media comes back', async () => {
    if (!ada || !bob) throw new Error('needs the call of the previous test');
    const mark = () => ada!.page.evaluate(() => (window as any).__duet.pc?.__testMark);
    await ada.page.evaluate(() => ((window as any).__duet.pc.__testMark = 'before the outage'));
    await coturn.kill();
    // The path is gone; the app says it is looking for another one.
    for (const p of [ada, bob]) {
      await expect(p.page.getByTestId('link-state')).toHaveAttribute('data-state', /reconnecting|restarting/);
    }
    await expect(ada.page.getByTestId('link-state')).toHaveAttribute('data-state', 'restarting', { timeout: 30_000 });
    await expect(ada.page.getByTestId('link-state')).toContainText('trying another path');
    await expect(ada.page.getByTestId('remote-cover')).toHaveText(/Reconnecting to Bob/);
    await screenshot(ada.page, 'ice-restarting');

    await coturn.launch();
    await expectLink(ada.page, 'connected', 60_000);
    await expectLink(bob.page, 'connected', 60_000);
    const log = await ada.page.evaluate(() => ((window as any).__duet?.log ?? []).join('\n'));
    expect(log, await peerState(ada.page)).toContain('ice restart');
    // Same connection (repaired, not replaced), new path: bytes grow again.
    expect(await mark()).toBe('before the outage');
    const before = await inboundBytes(ada.page, 'video');
    await expectMediaBothWays(ada.page, bob.page);
    expect(await inboundBytes(ada.page, 'video')).toBeGreaterThan(before);
    for (const p of [ada, bob]) await expectPath(p.page, 'relay', 'Relayed via TURN (udp)');
  });
});

/** The candidate types of the pair in use, local then remote, read from `getStats`. */
async function selectedPairTypes(p: Person): Promise<string[]> {
  return p.page.evaluate(async () => {
    const pc = (window as any).__duet.pc as RTCPeerConnection;
    const stats = new Map<string, any>();
    (await pc.getStats()).forEach((s: any) => stats.set(s.id, s));
    const transport = [...stats.values()].find((s) => s.type === 'transport');
    const pair = stats.get(transport?.selectedCandidatePairId);
    return [stats.get(pair?.localCandidateId)?.candidateType, stats.get(pair?.remoteCandidateId)?.candidateType];
  });
}
