/**
 * Runs once when the Next.js server starts: opens the database (taking the PGlite lock),
 * applies migrations and starts the in-process job runner.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { bootRuntime, exitOnStartupError, shutdownOnSignals } = await import('./lib/runtime/boot');
  try {
    shutdownOnSignals(await bootRuntime({ mode: 'in-process' }));
  } catch (error) {
    exitOnStartupError(error);
  }
}
