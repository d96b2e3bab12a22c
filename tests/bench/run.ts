import { ensureDovecotInstalled } from '../harness/system';
import { configureBenchEnv, trustHarnessCa } from './support/bootstrap';

// As npm test does: the Debian packages the harness needs, installed when root, else one line saying what to run.
await ensureDovecotInstalled().catch((error: Error) => {
  console.error(`npm run bench cannot run: ${error.message}`);
  process.exit(1);
});
if (await trustHarnessCa()) {
  configureBenchEnv();
  // Exiting runs the harness's exit hook, which stops Dovecot; a signal's default would not.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const { main } = await import('./main');
  await main();
}
