import { defineConfig } from '@playwright/test';

/**
 * Duet end-to-end tests: Debian's headless Chromium (never a downloaded browser),
 * two browser contexts as two people, against the real backend that
 * global-setup.ts starts on a free port with a fresh database.
 */
export const chromiumArgs = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Fake camera (640x480 test pattern), microphone (a tone) and screen, granted without prompts.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  // Without it a machine whose only interface is loopback gathers no ICE candidates.
  '--allow-loopback-in-peer-connection',
  // Remote audio may start without a click; the app's own fallback is tested elsewhere.
  '--autoplay-policy=no-user-gesture-required',
];

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { outputFolder: 'playwright-report', open: 'never' }]],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium',
      args: chromiumArgs,
    },
    viewport: { width: 1280, height: 720 },
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
});
