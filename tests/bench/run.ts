import { configureBenchEnv, trustHarnessCa } from './support/bootstrap';

if (await trustHarnessCa()) {
  configureBenchEnv();
  // Exiting runs the harness's exit hook, which stops Dovecot; a signal's default would not.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const { main } = await import('./main');
  await main();
}
