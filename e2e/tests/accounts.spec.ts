import { expect, test } from '@playwright/test';
import { baseURL, PASSWORD, person, uniqueEmail } from './helpers';

test('signing in sends a person back to the room they were going to', async ({ browser }) => {
  const ada = await person(browser, 'Ada');
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  try {
    const room = await ada.context.request.post('/api/rooms', {
      data: { name: `Reading group ${Date.now()}`, type: 'language', status: 'public' },
    });
    const { id } = await room.json();

    // Bob follows a link while signed out, signs up, then signs in again later.
    await page.goto(`/room/${id}`);
    await expect(page).toHaveURL(new RegExp(`/signin\\?next=%2Froom%2F${id}$`));
    await page.getByRole('link', { name: 'Create an account' }).click();
    const email = uniqueEmail('Bob');
    await page.getByLabel('Your name').fill('Bob');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page.locator('#password-error')).toHaveText('Use at least 8 characters.');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect(page).toHaveURL(`/room/${id}`.replace(/^/, baseURL()));
    // Ada made the room but is not in it: Bob waits for someone.
    await expect(page.getByTestId('link-state')).toHaveAttribute('data-state', 'waiting');

    // Signing out from the lobby; a wrong password is told in words.
    await page.getByTestId('leave').click();
    await page.getByTestId('sign-out').click();
    await expect(page).toHaveURL(/\/signin$/);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('form-error')).toHaveText('Wrong e-mail or password.');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByTestId('user-name')).toHaveText('Bob');

    // The same e-mail cannot sign up twice.
    const again = await context.request.post('/api/signup', { data: { name: 'Bob', email, password: PASSWORD } });
    expect(again.status()).toBe(409);
  } finally {
    await context.close();
    await ada.context.close();
  }
});
