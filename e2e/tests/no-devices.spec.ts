import { expect, test } from '@playwright/test';
import { createRoom, expectLink, expectReceiving, expectRemoteVideoPlaying, person } from './helpers';

/** Makes every camera and microphone request fail as if the person had refused. */
function refuseDevices(): void {
  const refuse = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
  Object.defineProperty(navigator.mediaDevices, 'getUserMedia', { value: refuse });
}

test('without camera and microphone, a person can still watch and chat', async ({ browser }) => {
  const ada = await person(browser, 'Ada');
  const dan = await person(browser, 'Dan', 'api', { init: refuseDevices });
  try {
    const name = `Open studio ${Date.now()}`;
    await createRoom(ada.page, name, 'learning', 'public');
    const url = ada.page.url();

    await dan.page.goto(url);
    const choice = dan.page.getByTestId('media-choice');
    await expect(choice).toContainText('Your camera and microphone cannot be used: access was blocked.');
    await expect(dan.page.getByTestId('join-anyway')).toHaveText('Watch and chat only');
    await dan.page.getByTestId('join-anyway').click();

    await expectLink(dan.page, 'connected');
    await expectLink(ada.page, 'connected');
    // Dan sees and hears Ada; Ada is told Dan has no camera.
    await expectRemoteVideoPlaying(dan.page);
    await expectReceiving(dan.page, 'video');
    await expectReceiving(dan.page, 'audio');
    await expect(ada.page.getByTestId('remote-cover')).toHaveText(/Camera is off/);
    await expect(dan.page.getByTestId('toggle-mic')).toBeDisabled();
    await expect(dan.page.getByTestId('toggle-camera')).toHaveAttribute('data-state', 'unavailable');

    // Chat works without devices.
    await dan.page.getByTestId('toggle-chat').click();
    await dan.page.getByTestId('chat-input').fill('Watching from the back row');
    await dan.page.getByTestId('chat-input').press('Enter');
    await ada.page.getByTestId('toggle-chat').click();
    await expect(ada.page.getByTestId('chat-message').last()).toContainText('Watching from the back row');
  } finally {
    await ada.context.close();
    await dan.context.close();
  }
});
