import { expect, test, type Page } from '@playwright/test';
import {
  createRoom,
  expectLink,
  expectMediaBothWays,
  expectReceiving,
  expectRemoteVideoPlaying,
  framesDecoded,
  openPanel,
  person,
  screenshot,
  send,
  senderTrack,
  type Person,
} from './helpers';

// One story, told in order: Ada and Bob meet in a public game room.
test.describe.configure({ mode: 'serial' });

let ada: Person;
let bob: Person;
let roomUrl: string;
const roomName = `Chess club ${Date.now()}`;

test.afterAll(async () => {
  await ada?.context.close();
  await bob?.context.close();
});

test('1. both sign up; Bob finds Ada\'s public game room by search and by type, sees 1/2, joins', async ({
  browser,
}) => {
  ada = await person(browser, 'Ada', 'ui');
  bob = await person(browser, 'Bob', 'ui');

  await createRoom(ada.page, roomName, 'game', 'public');
  roomUrl = ada.page.url();
  await expectLink(ada.page, 'waiting');

  const lobby = bob.page;
  const card = lobby.getByTestId('room-card').filter({ hasText: roomName });
  // By search.
  await lobby.getByTestId('room-search').fill(roomName);
  await expect(lobby.getByTestId('room-card')).toHaveCount(1);
  await expect(card.getByTestId('room-occupancy')).toHaveText('1/2 waiting');
  // By type: another type hides it, `game` shows it.
  await lobby.getByTestId('room-search').fill('');
  await lobby.getByTestId('room-filter').selectOption('business');
  await expect(card).toHaveCount(0);
  await lobby.getByTestId('room-filter').selectOption('game');
  await expect(card).toHaveCount(1);
  await expect(card).toContainText('by Ada');
  await expect(card.getByTestId('room-occupancy')).toHaveText('1/2 waiting');
  await screenshot(lobby, 'lobby');

  await card.getByTestId('join-room').click();
  await expect(lobby).toHaveURL(roomUrl);
});

test('2. both see and hear each other', async () => {
  await expectLink(ada.page, 'connected');
  await expectLink(bob.page, 'connected');
  await expect(ada.page.getByTestId('link-state')).toHaveText('Connected with Bob');
  await expect(bob.page.getByTestId('link-state')).toHaveText('Connected with Ada');
  await expectMediaBothWays(ada.page, bob.page);
  await screenshot(ada.page, 'call-ada');
  await screenshot(bob.page, 'call-bob');
});

test('3. chat both ways; markup is shown as text', async () => {
  await openPanel(ada.page, 'chat');
  // Bob's panel stays closed: his unread badge counts Ada's messages.
  await send(ada.page, 'Hello Bob!');
  await expect(bob.page.getByTestId('unread-badge')).toContainText('1');
  const markup = '<img src=x onerror="window.__pwned=1"><b>bold?</b>';
  await send(ada.page, markup);
  await expect(bob.page.getByTestId('unread-badge')).toContainText('2');

  await openPanel(bob.page, 'chat');
  await expect(bob.page.getByTestId('unread-badge')).toHaveCount(0);
  const bobLines = bob.page.getByTestId('chat-message');
  await expect(bobLines).toHaveCount(2);
  await expect(bobLines.nth(0)).toContainText('Ada');
  await expect(bobLines.nth(0)).toHaveAttribute('data-own', 'false');
  await expect(bobLines.nth(1).getByTestId('chat-text')).toHaveText(markup);
  await expect(bob.page.locator('.messages img, .messages b')).toHaveCount(0);
  expect(await bob.page.evaluate(() => (window as any).__pwned)).toBeUndefined();

  await send(bob.page, 'Hi Ada, loud and clear.');
  const adaLines = ada.page.getByTestId('chat-message');
  await expect(adaLines).toHaveCount(3);
  await expect(adaLines.nth(2)).toContainText('Bob');
  await expect(adaLines.nth(2)).toContainText('Hi Ada, loud and clear.');
  await expect(adaLines.nth(0)).toHaveAttribute('data-own', 'true');
  await expect(adaLines.nth(0)).toContainText('You');
});

test('4. mute and camera-off change what the other person receives', async () => {
  // Mute: the sent audio track is disabled, and Bob sees it.
  await ada.page.getByTestId('toggle-mic').click();
  await expect(ada.page.getByTestId('toggle-mic')).toHaveAttribute('data-state', 'off');
  expect((await senderTrack(ada.page, 'audio'))?.enabled).toBe(false);
  await expect(bob.page.getByTestId('remote').locator('.mic-off')).toBeVisible();
  await ada.page.getByTestId('toggle-mic').click();
  expect((await senderTrack(ada.page, 'audio'))?.enabled).toBe(true);
  await expect(bob.page.getByTestId('remote').locator('.mic-off')).toHaveCount(0);

  // Camera off: nothing is sent, Bob's decoded frames stop, and he is told why.
  await ada.page.getByTestId('toggle-camera').click();
  await expect(ada.page.getByTestId('toggle-camera')).toHaveAttribute('data-state', 'off');
  expect(await senderTrack(ada.page, 'video')).toBeNull();
  await expect(bob.page.getByTestId('remote-cover')).toHaveText(/Camera is off/);
  await expect
    .poll(() => framesStoppedFor(bob.page, 1_500), { message: 'frames should stop', timeout: 20_000 })
    .toBe(true);

  // Camera on again: a new camera track is sent and frames flow.
  await ada.page.getByTestId('toggle-camera').click();
  await expect(ada.page.getByTestId('toggle-camera')).toHaveAttribute('data-state', 'on');
  expect((await senderTrack(ada.page, 'video'))?.enabled).toBe(true);
  await expect(bob.page.getByTestId('remote-cover')).toHaveCount(0);
  await expectFramesGrowing(bob.page);
});

test('5. screen sharing replaces the camera, and stopping it brings the camera back', async () => {
  const camera = await senderTrack(ada.page, 'video');
  expect(camera?.surface).toBeNull();

  await ada.page.getByTestId('toggle-screen').click();
  await expect(ada.page.getByTestId('toggle-screen')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(async () => (await senderTrack(ada.page, 'video'))?.surface).toBe('monitor');
  expect((await senderTrack(ada.page, 'video'))?.id).not.toBe(camera?.id);
  await expectFramesGrowing(bob.page);
  await expectRemoteVideoPlaying(bob.page);

  // Stopping from the button returns to the camera.
  await ada.page.getByTestId('toggle-screen').click();
  await expect(ada.page.getByTestId('toggle-screen')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await senderTrack(ada.page, 'video'))?.surface ?? 'camera').toBe('camera');
  await expectFramesGrowing(bob.page);

  // Stopping from the browser's own "Stop sharing" (the track ends) does too.
  await ada.page.getByTestId('toggle-screen').click();
  await expect.poll(async () => (await senderTrack(ada.page, 'video'))?.surface).toBe('monitor');
  await ada.page.evaluate(() => {
    const pc = (window as any).__duet.pc as RTCPeerConnection;
    const track = pc.getSenders().find((s) => s.track?.kind === 'video')!.track!;
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  await expect(ada.page.getByTestId('toggle-screen')).toHaveAttribute('aria-pressed', 'false');
  await expect.poll(async () => (await senderTrack(ada.page, 'video'))?.surface ?? 'camera').toBe('camera');
  await expectFramesGrowing(bob.page);
});

test('6. tic-tac-toe to a win on both screens; an out-of-turn click does nothing', async () => {
  await openPanel(ada.page, 'game');
  await openPanel(bob.page, 'game');
  await ada.page.getByTestId('game-start').click();
  for (const page of [ada.page, bob.page]) {
    await expect(page.getByTestId('game-status')).toBeVisible();
  }
  await expect(ada.page.getByTestId('game-status')).toHaveAttribute('data-state', 'your-turn');
  await expect(ada.page.getByTestId('game-status')).toContainText('You are X');
  await expect(bob.page.getByTestId('game-status')).toHaveAttribute('data-state', 'their-turn');
  await expect(bob.page.getByTestId('game-status')).toContainText('You are O');

  // Bob (O) tries to move first: the cell cannot be pressed and nothing changes.
  await expect(bob.page.getByTestId('cell-4')).toBeDisabled();
  await bob.page.getByTestId('cell-4').click({ force: true });
  await expect(ada.page.getByTestId('cell-4')).toHaveAttribute('data-mark', '');
  await expect(bob.page.getByTestId('cell-4')).toHaveAttribute('data-mark', '');
  await expect(bob.page.getByTestId('game-status')).toHaveAttribute('data-state', 'their-turn');

  const moves: [Page, number][] = [
    [ada.page, 0],
    [bob.page, 3],
    [ada.page, 1],
    [bob.page, 4],
    [ada.page, 2],
  ];
  for (const [page, cell] of moves) {
    await expect(page.getByTestId(`cell-${cell}`)).toBeEnabled();
    await page.getByTestId(`cell-${cell}`).click();
    const mark = page === ada.page ? 'X' : 'O';
    for (const p of [ada.page, bob.page]) {
      await expect(p.getByTestId(`cell-${cell}`)).toHaveAttribute('data-mark', mark);
    }
  }
  await expect(ada.page.getByTestId('game-status')).toHaveAttribute('data-state', 'won');
  await expect(ada.page.getByTestId('game-status')).toHaveText('You won with X!');
  await expect(bob.page.getByTestId('game-status')).toHaveAttribute('data-state', 'lost');
  await expect(bob.page.getByTestId('game-status')).toHaveText('Ada won with X.');
  for (const p of [ada.page, bob.page]) {
    for (const cell of [0, 1, 2]) await expect(p.getByTestId(`cell-${cell}`)).toHaveClass(/win/);
    await expect(p.getByTestId('cell-5')).toBeDisabled();
  }

  // Either player starts over for both.
  await bob.page.getByTestId('game-reset').click();
  for (const p of [ada.page, bob.page]) {
    await expect(p.getByTestId('cell-0')).toHaveAttribute('data-mark', '');
  }
  await expect(ada.page.getByTestId('game-status')).toHaveAttribute('data-state', 'your-turn');
});

test('7. a third person is told the room is full', async ({ browser }) => {
  const cleo = await person(browser, 'Cleo');
  try {
    await cleo.page.goto(roomUrl);
    await expect(cleo.page.getByTestId('call-ended')).toHaveAttribute('data-end', 'full');
    await expect(cleo.page.getByRole('heading', { name: 'This room is full' })).toBeVisible();
    // The two people in the call are undisturbed.
    await expectLink(ada.page, 'connected');
    await expectLink(bob.page, 'connected');
  } finally {
    await cleo.context.close();
  }
});

test('8. Ada leaves and Bob is told; Ada comes back and the call resumes with media', async () => {
  await ada.page.getByTestId('leave').click();
  await expect(ada.page.getByTestId('new-room')).toBeVisible();
  await expectLink(bob.page, 'waiting');
  await expect(bob.page.getByTestId('remote-cover')).toContainText('Ada left the call');

  // Back through the lobby, where the room shows Bob waiting.
  await ada.page.getByTestId('room-search').fill(roomName);
  const card = ada.page.getByTestId('room-card').filter({ hasText: roomName });
  await expect(card.getByTestId('room-occupancy')).toHaveText('1/2 waiting');
  await card.getByTestId('join-room').click();
  await expectLink(ada.page, 'connected');
  await expectLink(bob.page, 'connected');
  await expectMediaBothWays(ada.page, bob.page);
});

/** Whether no video frame was decoded during `ms` (sampled twice). */
async function framesStoppedFor(page: Page, ms: number): Promise<boolean> {
  const before = await framesDecoded(page);
  await page.waitForTimeout(ms);
  return (await framesDecoded(page)) === before;
}

async function expectFramesGrowing(page: Page): Promise<void> {
  const before = await framesDecoded(page);
  await expect
    .poll(() => framesDecoded(page), { message: 'decoded frames should grow', timeout: 20_000 })
    .toBeGreaterThan(before + 10);
  await expectReceiving(page, 'video');
}
