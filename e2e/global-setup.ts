import { Backend } from './servers';

/**
 * Starts the suite's backend (the already-built `target/debug/duet`, serving `dist/`)
 * on a free port with a fresh SQLite database, and stops it after the run. Tests
 * that need another setup start their own (see servers.ts).
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const backend = await Backend.start({ name: 'main' });
  process.env.DUET_BASE_URL = backend.baseURL;
  return () => backend.stop();
}
