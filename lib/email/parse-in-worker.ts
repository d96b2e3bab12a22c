import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EmailParseError, type ParseLimits, type ParsedEmail } from './parsed-email';

export interface ParseRequest {
  raw: Uint8Array;
  limits: ParseLimits;
}

/** `refused`: the message broke a limit. `failed`: the parser itself broke; worth a retry. */
export type ParseResponse = { email: ParsedEmail } | { refused: string } | { failed: string };

/** A worker takes ~0.1 s to start (~0.5 s under tsx, which compiles it); a couple are kept for the next large message. */
const IDLE_WORKERS_KEPT = 2;
const IDLE_TIMEOUT_MS = 60_000;
/** A 28 MB message has cost other parsers 2.5 GB; a worker that needs more than this is stopped. */
const MAX_HEAP_MB = 512;
/**
 * A worker that parsed a message this large is stopped rather than kept: its heap grew to
 * hold the message, and V8 keeps that memory for as long as the worker waits idle.
 */
const MAX_REUSED_AFTER_BYTES = 1024 * 1024;
/** A burst of large messages waits its turn rather than starting a worker, and a heap, each. */
const MAX_BUSY_WORKERS = Math.max(2, availableParallelism());

interface IdleWorker {
  worker: Worker;
  timer: NodeJS.Timeout;
}

const idle: IdleWorker[] = [];
let busy = 0;
const waiting: (() => void)[] = [];

async function acquireSlot(): Promise<void> {
  if (busy < MAX_BUSY_WORKERS) {
    busy++;
    return;
  }
  // The slot is handed over by releaseSlot, so `busy` stays counted.
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function releaseSlot(): void {
  const next = waiting.shift();
  if (next) next();
  else busy--;
}

/**
 * `new Worker(new URL(…, import.meta.url))` written out in one expression is the form
 * Turbopack recognises: it bundles `parse-worker.mjs` as a worker-thread entry of the
 * Next.js server build. Under tsx and vitest the URL is simply the file next to this one.
 */
function startWorker(): Worker {
  const worker = new Worker(new URL('./parse-worker.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: MAX_HEAP_MB } });
  worker.on('exit', () => {
    const index = idle.findIndex((entry) => entry.worker === worker);
    if (index >= 0) idle.splice(index, 1);
  });
  return worker;
}

function takeWorker(): Worker {
  const entry = idle.pop();
  if (!entry) return startWorker();
  clearTimeout(entry.timer);
  entry.worker.ref();
  return entry.worker;
}

function keepOrStop(worker: Worker): void {
  if (idle.length >= IDLE_WORKERS_KEPT) {
    void worker.terminate();
    return;
  }
  // An idle worker must not keep the process alive.
  worker.unref();
  const timer = setTimeout(() => void worker.terminate(), IDLE_TIMEOUT_MS);
  timer.unref();
  idle.push({ worker, timer });
}

/** A worker that broke without an answer: out of memory is the message's doing, anything else is ours. */
function crashError(error: Error): Error {
  if ((error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new EmailParseError(`needed more than ${MAX_HEAP_MB} MB of memory to parse`);
  }
  return new Error(`The email parser thread failed: ${error.message}`, { cause: error });
}

/** Structured cloning turns each Buffer into a plain Uint8Array. */
function revive(email: ParsedEmail): ParsedEmail {
  const attachments = email.attachments.map((attachment) => {
    const { buffer, byteOffset, byteLength } = attachment.content;
    return { ...attachment, content: Buffer.from(buffer, byteOffset, byteLength) };
  });
  return { ...email, attachments };
}

function runInWorker(raw: Buffer, limits: ParseLimits): Promise<ParsedEmail> {
  const worker = takeWorker();
  return new Promise<ParsedEmail>((resolve, reject) => {
    const settle = (reusable: boolean, outcome: () => void) => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reusable) keepOrStop(worker);
      else void worker.terminate();
      outcome();
    };
    const onMessage = (response: ParseResponse) =>
      settle(raw.length <= MAX_REUSED_AFTER_BYTES, () => {
        if ('email' in response) resolve(revive(response.email));
        else if ('refused' in response) reject(new EmailParseError(response.refused));
        else reject(new Error(`The email parser failed: ${response.failed}`));
      });
    const onError = (error: Error) => settle(false, () => reject(crashError(error)));
    const onExit = (code: number) => settle(false, () => reject(new Error(`The email parser thread stopped with code ${code}.`)));
    const timer = setTimeout(
      () => settle(false, () => reject(new EmailParseError(`took longer than ${limits.maxTimeMs / 1000} s to parse`))),
      limits.maxTimeMs,
    );
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    // A copy the worker can own: `raw` may be a view of a larger, shared buffer.
    const copy = new Uint8Array(raw);
    worker.postMessage({ raw: copy, limits } satisfies ParseRequest, [copy.buffer]);
  });
}

/**
 * Parses in a worker thread so that a hostile message cannot hold the calling thread's
 * event loop, and stops the worker when the message takes longer than `maxTimeMs`
 * (counted from when a worker takes it up).
 */
export async function parseInWorker(raw: Buffer, limits: ParseLimits): Promise<ParsedEmail> {
  await acquireSlot();
  try {
    return await runInWorker(raw, limits);
  } finally {
    releaseSlot();
  }
}
