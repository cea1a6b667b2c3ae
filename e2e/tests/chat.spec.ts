import { expect, test, type Page } from '@playwright/test';
import { Backend } from '../servers';
import { closeAll, createRoom, expectLink, meet, openPanel, person, send, type Person } from './helpers';

// Chat that never vanishes: a line typed while the server is away waits, shown as
// "sending…", and goes out when it is back; a line too long is refused in words.

const LIMIT = 2000;

/** Ada's own line with `text` in the conversation. */
function ownLine(page: Page, text: string) {
  return page.locator('[data-testid="chat-message"][data-own="true"]').filter({ hasText: text });
}

test('a line typed while the server is down shows "sending…" and is delivered once it is back', async ({
  browser,
}) => {
  const server = await Backend.start({ name: 'chat-offline' });
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ({ ada, bob } = await meet(browser, { server: server.baseURL }));
    await openPanel(ada.page, 'chat');
    await openPanel(bob.page, 'chat');

    await server.kill();
    await expect(ada.page.getByTestId('server-status')).toContainText('reconnecting');
    const text = `typed while offline ${Date.now()}`;
    await send(ada.page, text);
    const line = ownLine(ada.page, text);
    await expect(line).toHaveAttribute('data-status', 'sending');
    await expect(line.getByTestId('chat-status')).toHaveText('sending…');
    // The call itself goes on peer-to-peer meanwhile.
    await expectLink(ada.page, 'connected', 1_000);

    await server.launch();
    await expect(line).toHaveAttribute('data-status', 'sent', { timeout: 30_000 });
    await expect(line.getByTestId('chat-status')).toHaveCount(0);
    // Delivered exactly once, to both.
    await expect(bob.page.getByTestId('chat-message').filter({ hasText: text })).toHaveCount(1);
    await expect(ada.page.getByTestId('chat-message').filter({ hasText: text })).toHaveCount(1);
  } finally {
    await closeAll(ada, bob);
    await server.stop();
  }
});

test('text over the limit is refused in words, kept in the box, and a counter shows as the limit nears', async ({
  browser,
}) => {
  let ada: Person | undefined;
  try {
    ada = await person(browser, 'Ada');
    await createRoom(ada.page, `Chat limit ${Date.now()}`, 'business', 'public');
    await expectLink(ada.page, 'waiting');
    await openPanel(ada.page, 'chat');
    const input = ada.page.getByTestId('chat-input');
    const count = ada.page.getByTestId('chat-count');

    await input.fill('hello');
    await expect(count).toHaveText('');
    await input.fill('x'.repeat(LIMIT - 12));
    await expect(count).toHaveText('12 characters left');

    const tooLong = 'y'.repeat(LIMIT + 3);
    await input.fill(tooLong);
    await expect(count).toHaveText(`3 characters too long (at most ${LIMIT})`);
    await input.press('Enter');
    await expect(ada.page.getByTestId('chat-error')).toHaveText(
      `The chat message is longer than ${LIMIT} characters.`,
    );
    // Nothing was cut or sent: the whole text is still there to shorten.
    await expect(input).toHaveValue(tooLong);
    await expect(ada.page.getByTestId('chat-message')).toHaveCount(0);

    // Exactly at the limit goes through, and the refusal clears.
    const longest = 'z'.repeat(LIMIT);
    await send(ada.page, longest);
    await expect(ownLine(ada.page, longest)).toHaveAttribute('data-status', 'sent');
    await expect(ada.page.getByTestId('chat-error')).toHaveText('');
  } finally {
    await closeAll(ada);
  }
});
