import { describeFailure } from './runtime/describe-failure';
import { getEnv } from './env';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Field names whose values never reach a log line. */
const SECRET_FIELD = /secret|token|password|passwd|authorization|cookie|verifier|^code$|^raw$/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  // A failed statement's message carries its SQL parameters: an argon2 hash, a comment body.
  if (value instanceof Error) return { name: value.name, message: describeFailure(value) };
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [key, SECRET_FIELD.test(key) ? '[redacted]' : redact(inner, depth + 1)]),
  );
}

function threshold(): number {
  try {
    return ORDER[getEnv().INTAKE_LOG_LEVEL];
  } catch {
    return ORDER.info;
  }
}

function write(level: Level, event: string, fields: Record<string, unknown> = {}): void {
  if (ORDER[level] < threshold()) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, event, ...(redact(fields) as object) });
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
}

export const log = {
  debug: (event: string, fields?: Record<string, unknown>) => write('debug', event, fields),
  info: (event: string, fields?: Record<string, unknown>) => write('info', event, fields),
  warn: (event: string, fields?: Record<string, unknown>) => write('warn', event, fields),
  error: (event: string, fields?: Record<string, unknown>) => write('error', event, fields),
};
