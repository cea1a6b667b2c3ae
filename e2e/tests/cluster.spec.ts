import { expect, test } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { Backend, createDatabase } from '../servers';
import { closeAll, expectChatBothWays, meet, openPanel, type Person } from './helpers';

// Two instances behind one deployment: Postgres for data, Redis for rooms and relay.
// Ada's browser talks to one, Bob's to the other.

test('a call between two people on different instances', async ({ browser }) => {
  const database = createDatabase();
  const shared = {
    databaseUrl: database.url,
    env: {
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `duet-e2e-${randomBytes(6).toString('hex')}:`,
      JWT_SECRET: randomBytes(32).toString('hex'),
    },
  };
  const servers: Backend[] = [];
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    servers.push(await Backend.start({ name: 'instance-1', ...shared }));
    servers.push(await Backend.start({ name: 'instance-2', ...shared }));
    const [one, two] = servers;
    ({ ada, bob } = await meet(browser, { server: one.baseURL, bobServer: two.baseURL, type: 'game' }));
    expect(new URL(ada.page.url()).port).toBe(String(one.port));
    expect(new URL(bob.page.url()).port).toBe(String(two.port));

    await expectChatBothWays(ada, bob, 'across instances');
    await openPanel(ada.page, 'game');
    await openPanel(bob.page, 'game');
    await ada.page.getByTestId('game-start').click();
    // Who plays X is whoever the room admitted first; across two instances the two joins
    // race, so read it rather than assume Ada.
    await expect(ada.page.getByTestId('game-status')).toContainText(/You are [XO]/);
    const adaIsX = /You are X/.test((await ada.page.getByTestId('game-status').textContent()) ?? '');
    const [x, o] = adaIsX ? [ada, bob] : [bob, ada];
    await x.page.getByTestId('cell-0').click();
    await expect(o.page.getByTestId('cell-0')).toHaveAttribute('data-mark', 'X');
    await o.page.getByTestId('cell-8').click();
    await expect(x.page.getByTestId('cell-8')).toHaveAttribute('data-mark', 'O');
  } finally {
    await closeAll(ada, bob);
    for (const server of servers) await server.stop();
    database.drop();
  }
});
