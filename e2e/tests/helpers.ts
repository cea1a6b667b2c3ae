import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The backend started by global-setup.ts. */
export function baseURL(): string {
  const url = process.env.DUET_BASE_URL;
  if (!url) throw new Error('DUET_BASE_URL is not set: run the suite through global-setup');
  return url;
}

/** One person: their own browser context (cookies, camera) and page. */
export interface Person {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
}

let counter = 0;

/** Everyone created by `person`, so a failure can show what each side's connection did. */
const people: Person[] = [];

/** A unique e-mail, so tests never collide on the shared database. */
export function uniqueEmail(name: string): string {
  counter += 1;
  return `${name.toLowerCase()}.${Date.now()}.${counter}@duet.test`;
}

export const PASSWORD = 'correct horse battery';

/** A new person with a fresh context; `signUp: 'ui'` goes through the form, `'api'` is quicker. */
export async function person(
  browser: Browser,
  name: string,
  signUp: 'ui' | 'api' = 'api',
  options: { init?: () => void; server?: string } = {},
): Promise<Person> {
  const context = await browser.newContext({ baseURL: options.server ?? baseURL() });
  if (options.init) await context.addInitScript(options.init);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[${name}] page error: ${e.message}`));
  page.on('console', (m) => {
    const text = m.text();
    // Expected noise: the session check before signing in, and trunk's preload hint.
    if (text.includes('401 (Unauthorized)') || text.includes('`integrity` attribute')) return;
    if (m.type() === 'warning' || m.type() === 'error') console.log(`[${name}] ${m.type()}: ${text}`);
  });
  const email = uniqueEmail(name);
  if (signUp === 'api') {
    const res = await context.request.post('/api/signup', { data: { name, email, password: PASSWORD } });
    expect(res.status(), await res.text()).toBe(201);
    await page.goto('/');
  } else {
    await page.goto('/');
    await expect(page).toHaveURL(/\/signin/);
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
  }
  await expect(page.getByTestId('user-name')).toHaveText(name);
  const created = { name, email, context, page };
  people.push(created);
  return created;
}

/** Creates a room through the "New room" dialog; a public room is entered at once. */
export async function createRoom(
  page: Page,
  name: string,
  type: 'game' | 'business' | 'coding' | 'learning' | 'language',
  visibility: 'public' | 'private',
): Promise<void> {
  await page.getByTestId('new-room').click();
  const dialog = page.getByTestId('new-room-dialog');
  await dialog.getByLabel('Room name').fill(name);
  await dialog.getByTestId('room-type').selectOption(type);
  await dialog.getByTestId(`visibility-${visibility}`).check();
  await dialog.getByTestId('create-room-submit').click();
  if (visibility === 'public') {
    await expect(page).toHaveURL(/\/room\/[0-9a-f-]{36}$/);
  } else {
    await expect(dialog.getByTestId('private-room-created')).toBeVisible();
  }
}

/** The connection state shown in the call header reaches `state`. */
export async function expectLink(page: Page, state: string, timeout = 30_000): Promise<void> {
  try {
    await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', state, { timeout });
  } catch (e) {
    // Say what each connection was doing, to tell a UI fault from a network one.
    const states = [];
    for (const p of people.filter((p) => !p.page.isClosed())) {
      states.push(`${p.name}${p.page === page ? ' (this page)' : ''}: ${await peerState(p.page)}`);
    }
    throw new Error(`${(e as Error).message}\n${states.join('\n')}`);
  }
}

/** The live peer connection's states and transceivers, as text (for failure messages). */
export async function peerState(page: Page): Promise<string> {
  return page
    .evaluate(() => {
      const duet = (window as any).__duet;
      const pc = duet?.pc as RTCPeerConnection | null | undefined;
      const log = `\n    ${(duet?.log ?? []).join('\n    ')}`;
      if (!pc) return `no connection${log}`;
      return JSON.stringify({
        signaling: pc.signalingState,
        connection: pc.connectionState,
        ice: pc.iceConnectionState,
        gathering: pc.iceGatheringState,
        local: pc.localDescription?.type,
        remote: pc.remoteDescription?.type,
        transceivers: pc.getTransceivers().map((t) => [t.mid, t.direction, t.currentDirection]),
      }) + log;
    })
    .catch((e) => `unavailable (${e})`);
}

/** Total inbound bytes of `kind` on the page's live peer connection. */
export async function inboundBytes(page: Page, kind: 'audio' | 'video'): Promise<number> {
  return inbound(page, kind, 'bytesReceived');
}

/** Total decoded video frames on the page's live peer connection. */
export async function framesDecoded(page: Page): Promise<number> {
  return inbound(page, 'video', 'framesDecoded');
}

async function inbound(page: Page, kind: string, field: string): Promise<number> {
  return page.evaluate(
    async ([kind, field]) => {
      const pc = (window as any).__duet?.pc as RTCPeerConnection | null | undefined;
      if (!pc) return 0;
      const stats = await pc.getStats();
      let total = 0;
      stats.forEach((r: any) => {
        if (r.type === 'inbound-rtp' && r.kind === kind) total += r[field] ?? 0;
      });
      return total;
    },
    [kind, field],
  );
}

/** `inboundBytes` grows by a clear margin (media really flows). */
export async function expectReceiving(page: Page, kind: 'audio' | 'video'): Promise<void> {
  const before = await inboundBytes(page, kind);
  await expect
    .poll(() => inboundBytes(page, kind), { message: `${kind} bytes received should grow`, timeout: 20_000 })
    .toBeGreaterThan(before + 2_000);
}

/** The remote `<video>` shows frames: it has a size and its clock advances. */
export async function expectRemoteVideoPlaying(page: Page): Promise<void> {
  const video = page.getByTestId('remote-video');
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), {
      message: 'remote video should have a size',
      timeout: 20_000,
    })
    .toBeGreaterThan(0);
  const start = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), {
      message: 'remote video time should advance',
      timeout: 20_000,
    })
    .toBeGreaterThan(start + 0.5);
}

/** Media flows both ways between `a` and `b`: pictures play and bytes arrive. */
export async function expectMediaBothWays(a: Page, b: Page): Promise<void> {
  for (const page of [a, b]) {
    await expectRemoteVideoPlaying(page);
    await expectReceiving(page, 'video');
    await expectReceiving(page, 'audio');
  }
}

/** The sender track of `kind` on the page's connection, summarised. */
export async function senderTrack(
  page: Page,
  kind: 'audio' | 'video',
): Promise<{ id: string; enabled: boolean; surface: string | null } | null> {
  return page.evaluate((kind) => {
    const pc = (window as any).__duet?.pc as RTCPeerConnection | null | undefined;
    const sender = pc?.getSenders().find((s) => s.track?.kind === kind);
    const track = sender?.track;
    if (!track) return null;
    const settings = track.getSettings() as MediaTrackSettings & { displaySurface?: string };
    return { id: track.id, enabled: track.enabled, surface: settings.displaySurface ?? null };
  }, kind);
}

/** Saves a screenshot under e2e/artifacts/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(__dirname, '..', 'artifacts');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

/** Opens the chat or game panel (if it is not open yet). */
export async function openPanel(page: Page, which: 'chat' | 'game'): Promise<void> {
  const button = page.getByTestId(`toggle-${which}`);
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(page.getByTestId(`${which}-panel`)).toBeVisible();
}

/** Sends a chat message (the input empties once it is sent). */
export async function send(page: Page, text: string): Promise<void> {
  const input = page.getByTestId('chat-input');
  await input.fill(text);
  await input.press('Enter');
  await expect(input).toHaveValue('');
}

/** Chat works both ways: each side sends a line and the other receives it. */
export async function expectChatBothWays(a: Person, b: Person, tag: string): Promise<void> {
  for (const [from, to] of [
    [a, b],
    [b, a],
  ]) {
    const text = `${tag}: hello from ${from.name}`;
    await openPanel(from.page, 'chat');
    await openPanel(to.page, 'chat');
    await send(from.page, text);
    await expect(to.page.getByTestId('chat-message').filter({ hasText: text })).toHaveCount(1);
  }
}

/**
 * Ada creates a public room of `type` on `server` (the suite's backend by default)
 * and Bob opens its link (his browser may be pointed at another instance): both are
 * connected and media flows both ways.
 */
export async function meet(
  browser: Browser,
  options: { server?: string; bobServer?: string; type?: 'game' | 'business' } = {},
): Promise<{ ada: Person; bob: Person; roomPath: string }> {
  const ada = await person(browser, 'Ada', 'api', { server: options.server });
  const bob = await person(browser, 'Bob', 'api', { server: options.bobServer ?? options.server });
  await createRoom(ada.page, `Meeting ${Date.now()}`, options.type ?? 'game', 'public');
  const roomPath = new URL(ada.page.url()).pathname;
  await bob.page.goto(roomPath);
  await expectLink(ada.page, 'connected');
  await expectLink(bob.page, 'connected');
  await expectMediaBothWays(ada.page, bob.page);
  return { ada, bob, roomPath };
}

/** Opens "Connection details" and waits until it names the path (`direct`, `stun`, `relay`). */
export async function expectPath(page: Page, key: 'direct' | 'stun' | 'relay', text: RegExp | string): Promise<void> {
  const toggle = page.getByTestId('path-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const panel = page.getByTestId('path-panel');
  await expect(panel).toHaveAttribute('data-path', key, { timeout: 20_000 });
  await expect(panel.getByTestId('path-kind')).toHaveText(text);
  // Round trip, loss and bitrate are measured figures, not placeholders.
  await expect(panel.getByTestId('path-rtt')).toHaveText(/^\d+ ms$/);
  await expect(panel.getByTestId('path-loss')).toHaveText(/^\d+\.\d %$/);
  await expect(panel.getByTestId('path-bitrate')).toHaveText(/^↓ [1-9]\d* kbit\/s · ↑ [1-9]\d* kbit\/s$/);
}

/** Closes each person's browser context (ignores those already closed). */
export async function closeAll(...people: (Person | undefined)[]): Promise<void> {
  for (const p of people) await p?.context.close().catch(() => {});
}
