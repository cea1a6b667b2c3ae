import { expect, test } from '@playwright/test';
import { createRoom, expectLink, expectMediaBothWays, person } from './helpers';

test('9. a private room is not listed; it is joined with its pasted link', async ({ browser }) => {
  const ada = await person(browser, 'Ada');
  const bob = await person(browser, 'Bob');
  try {
    const name = `Quiet corner ${Date.now()}`;
    await createRoom(ada.page, name, 'business', 'private');
    const dialog = ada.page.getByTestId('new-room-dialog');
    const link = await dialog.getByTestId('private-room-link').inputValue();
    const id = await dialog.getByTestId('private-room-id').inputValue();
    expect(link).toMatch(new RegExp(`/room/${id}$`));
    await expect(dialog.getByTestId('copy-link')).toBeVisible();
    await dialog.getByTestId('enter-room').click();
    await expect(ada.page).toHaveURL(link);
    await expectLink(ada.page, 'waiting');

    // Bob does not see it, by name or at all.
    await bob.page.getByTestId('room-search').fill(name);
    await expect(bob.page.getByTestId('rooms-empty')).toBeVisible();
    await bob.page.getByTestId('room-search').fill('');
    await expect(bob.page.getByTestId('room-card').filter({ hasText: name })).toHaveCount(0);
    expect(await (await bob.context.request.get(`/api/rooms/${id}`)).status()).toBe(404);

    // A mistyped link is explained; the real one works.
    await bob.page.getByTestId('tab-private').click();
    await bob.page.getByTestId('private-room-input').fill('https://example.org/room/not-an-id');
    await bob.page.getByTestId('join-private-submit').click();
    await expect(bob.page.getByRole('alert').filter({ hasText: 'not a room link' })).toBeVisible();
    await bob.page.getByTestId('private-room-input').fill(link);
    await bob.page.getByTestId('join-private-submit').click();
    await expect(bob.page).toHaveURL(link);

    await expectLink(ada.page, 'connected');
    await expectLink(bob.page, 'connected');
    await expectMediaBothWays(ada.page, bob.page);

    // Having used the link, Bob now sees the room in his list (and only he and Ada do).
    expect(await (await bob.context.request.get(`/api/rooms/${id}`)).status()).toBe(200);
  } finally {
    await ada.context.close();
    await bob.context.close();
  }
});
