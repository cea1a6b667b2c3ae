import { defineConfig } from '@playwright/test';
import suite from '../playwright.config';

/**
 * The file-transfer benchmark (scripts/bench-files.sh): the end-to-end suite's
 * browser and flags, one worker, one test that starts its own server.
 */
export default defineConfig({
  testDir: '.',
  testMatch: 'files-throughput.ts',
  outputDir: '../test-results/bench-files',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 15 * 60_000,
  expect: { timeout: 120_000 },
  reporter: [['list']],
  use: { ...suite.use, trace: 'off', screenshot: 'off' },
});
