import { defineConfig } from '@playwright/test';
import suite from '../playwright.config';

/**
 * The set-up benchmark (scripts/bench-setup.sh): the end-to-end suite's browser, flags
 * and timeouts (Debian Chromium, fake media), one worker, one long test that starts
 * its own servers.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.bench.ts',
  outputDir: '../test-results/bench',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Bounded: 15 runs × 2 set-ups × 2 networks take a few minutes here.
  timeout: 20 * 60_000,
  globalTimeout: 25 * 60_000,
  expect: suite.expect,
  reporter: [['list']],
  use: { ...suite.use, trace: 'off', screenshot: 'off' },
});
