import type { Browser, Page } from '@playwright/test';
import { closeAll, createRoom, expectLink, person, type Person } from '../tests/helpers';
import type { Sample } from './report';

/**
 * Runs in each page before the app: notes performance.now() the first time the call
 * header's link state (`data-testid="link-state"`, what the e2e specs wait on) shows
 * each value. A MutationObserver sees the change as it is made, without polling.
 */
function watchLinkState(): void {
  const seen: Record<string, number> = {};
  (window as any).__benchLink = seen;
  const look = () => {
    const state = document.querySelector('[data-testid="link-state"]')?.getAttribute('data-state');
    if (state && seen[state] === undefined) seen[state] = performance.now();
  };
  new MutationObserver(look).observe(document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-state'],
  });
}

async function linkTimes(page: Page): Promise<{ seen: Record<string, number>; origin: number }> {
  return page.evaluate(() => ({ seen: { ...(window as any).__benchLink }, origin: performance.timeOrigin }));
}

/**
 * One Duet call, as in the e2e `meet`: Ada and Bob signed up, Ada creates a public room
 * and waits in it; Bob, on the home page, opens the room's link. Bob's time runs from
 * that navigation to his link state 'connected'; Ada's is taken on the same clock.
 */
export async function duetRun(browser: Browser, server: string, run: number): Promise<Sample> {
  let ada: Person | undefined;
  let bob: Person | undefined;
  try {
    ada = await person(browser, 'Ada', 'api', { server, init: watchLinkState });
    bob = await person(browser, 'Bob', 'api', { server, init: watchLinkState });
    await createRoom(ada.page, `Bench ${run}`, 'business', 'public');
    await expectLink(ada.page, 'waiting');
    await bob.page.goto(new URL(ada.page.url()).pathname);
    await expectLink(bob.page, 'connected');
    await expectLink(ada.page, 'connected');
    const b = await linkTimes(bob.page);
    const a = await linkTimes(ada.page);
    const { connected, ...milestones } = b.seen;
    return {
      connectedMs: connected,
      peerConnectedMs: a.origin + a.seen.connected - b.origin,
      milestones,
    };
  } finally {
    await closeAll(ada, bob);
  }
}
