import { browserTrustHome, harnessInfoEnv, startHarness } from '../harness';

/**
 * Starts the mail + OAuth harness for the browser tests (the app server is already up:
 * Playwright starts `webServer` first) and prepares the browser's trust of the test CA.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  await browserTrustHome();
  const harness = await startHarness();
  process.env[harnessInfoEnv] = JSON.stringify(harness.info);
  return () => harness.stop();
}
