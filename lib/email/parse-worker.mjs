// Entry of the worker thread that parses large emails; `parse-in-worker.ts` starts it.
import { parentPort } from 'node:worker_threads';

/**
 * The parser is TypeScript. In a Next.js server build, Turbopack bundles this file as a
 * worker-thread entry together with what it imports, so the first import succeeds. Under
 * the `tsx` job runner and vitest a worker thread is plain Node: tsx's loader does not
 * follow it into the thread and Node 20 cannot read `.ts`, so tsx (a runtime dependency)
 * loads the module. turbopackIgnore keeps the bundler from pulling tsx into the build.
 */
async function loadParser() {
  try {
    return await import('./serve-parse-requests.ts');
  } catch (error) {
    if (error?.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const { tsImport } = await import(/* turbopackIgnore: true */ /* webpackIgnore: true */ 'tsx/esm/api');
    return tsImport('./serve-parse-requests.ts', import.meta.url);
  }
}

const { serveParseRequests } = await loadParser();
serveParseRequests(parentPort);
