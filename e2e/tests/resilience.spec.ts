import { expect, test } from '@playwright/test';
import { Backend } from '../servers';
import {
  closeAll,
  expectChatBothWays,
  expectLink,
  expectMediaBothWays,
  expectRemoteVideoPlaying,
  meet,
  openPanel,
  screenshot,
  type Person,
} from './helpers';

// Faults people hit during a call: the server goes away, a page is reloaded.

test('a server crash mid-call: video goes on, and after the restart chat and games work without a reload', async ({
  browser,
}) => {
  const server = await Backend.start({ name: 'restart' });
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { server: server.baseURL, type: 'game' }));

    await server.kill();
    for (const p of [ada, bob]) {
      await expect(p.page.getByTestId('server-status')).toContainText('reconnecting');
    }
    // The call is peer-to-peer: pictures and sound keep coming while the server is down.
    await expectMediaBothWays(ada.page, bob.page);
    await expectLink(ada.page, 'connected', 1_000);
    await expectLink(bob.page, 'connected', 1_000);
    await screenshot(ada.page, 'server-down-ada');

    // Same port, same database: the clients find it by themselves and rejoin.
    await server.launch();
    for (const p of [ada, bob]) {
      await expect(p.page.getByTestId('server-status')).toHaveCount(0, { timeout: 30_000 });
    }
    await expectChatBothWays(ada, bob, 'after the restart');
    await openPanel(ada.page, 'game');
    await openPanel(bob.page, 'game');
    await ada.page.getByTestId('game-start').click();
    // Seats are handed out again in the order the two came back: X moves first.
    const status = (p: Person) => p.page.getByTestId('game-status');
    await expect(status(ada)).toHaveAttribute('data-state', /your-turn|their-turn/);
    const adaFirst = (await status(ada).getAttribute('data-state')) === 'your-turn';
    const [first, second] = adaFirst ? [ada, bob] : [bob, ada];
    await expect(status(second)).toHaveAttribute('data-state', 'their-turn');
    await first.page.getByTestId('cell-4').click();
    await expect(second.page.getByTestId('cell-4')).toHaveAttribute('data-mark', 'X');
    // Still the same call, never torn down.
    await expectLink(ada.page, 'connected', 1_000);
    await expectMediaBothWays(ada.page, bob.page);
  } finally {
    await closeAll(ada, bob);
    await server.stop();
  }
});

test('one side reloads the page during a call: the call comes back by itself', async ({ browser }) => {
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser));
    await bob.page.reload();
    await expectLink(bob.page, 'connected');
    await expectLink(ada.page, 'connected');
    await expect(ada.page.getByTestId('link-state')).toHaveText('Connected with Bob');
    await expectMediaBothWays(ada.page, bob.page);
    await expectRemoteVideoPlaying(bob.page);
    await expectChatBothWays(ada, bob, 'after the reload');
  } finally {
    await closeAll(ada, bob);
  }
});
