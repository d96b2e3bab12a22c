import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
// Relative, not `@/`: next.config.ts loads this module, and Next resolves `@/` there against the importing file's folder.
import { AddressAllowList, splitListSetting } from './net/address-range';
import { parseTrustedProxies } from './net/client-address';

/**
 * The one place Intake reads its configuration. Everything else asks `getEnv()`.
 * A bad value stops start-up with one line that names the variable and how to fix it.
 */

const booleanish = z.enum(['0', '1', 'true', 'false', 'yes', 'no']).transform((value) => value === '1' || value === 'true' || value === 'yes');

const secret = z.string().min(32, 'must be at least 32 characters; generate one with `openssl rand -base64 32`');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number({ error: 'must be a port number between 1 and 65535' }).int().min(1).max(65535).default(3000),
  APP_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL such as https://desk.example.com' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection URL')
    .optional(),
  INTAKE_DATA_DIR: z.string().min(1).default('.data'),
  AUTH_SECRET: secret.optional(),
  INTAKE_SECRET_KEY: secret.optional(),
  INTAKE_PREVIOUS_SECRET_KEYS: z.string().optional(),
  INTAKE_WORKERS: z.coerce.number().int().min(0, 'must be 0 (no in-process job runner) or a positive number of concurrent jobs').max(64).default(1),
  INTAKE_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  INTAKE_IDLE: booleanish.default(true),
  INTAKE_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(25 * 1024 * 1024),
  /** What an agent may attach to one reply or internal note, all files together. */
  INTAKE_MAX_ATTACHMENT_BYTES: z.coerce
    .number({ error: 'must be a number of bytes such as 10485760 (10 MB)' })
    .int()
    .min(1024)
    .max(1024 * 1024 * 1024)
    .default(10 * 1024 * 1024),
  INTAKE_CONFIRMATIONS_PER_HOUR: z.coerce.number().int().min(0).default(100),
  /** How long a mailbox may be Failing before admins get an email: most failures are over within minutes. */
  INTAKE_ALERT_GRACE_MINUTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 60)
    .default(15),
  INTAKE_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  MAIL_ALLOWED_PRIVATE_HOSTS: z
    .string()
    .transform(splitListSetting)
    .refine((entries) => entries.every(AddressAllowList.isValidEntry), 'must list host names, addresses or networks such as mail.internal, 10.0.0.0/8')
    .default([]),
  TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((value, context) => {
      const trusted = parseTrustedProxies(value);
      if (trusted) return trusted;
      context.addIssue({ code: 'custom', message: 'must be a hop count such as 1, or addresses and networks such as 10.0.0.0/8, 192.0.2.7' });
      return z.NEVER;
    }),
});

type ParsedEnv = z.infer<typeof envSchema>;

export interface Env extends Omit<ParsedEnv, 'APP_URL' | 'AUTH_SECRET' | 'INTAKE_SECRET_KEY' | 'INTAKE_PREVIOUS_SECRET_KEYS'> {
  APP_URL: string;
  AUTH_SECRET: string;
  INTAKE_SECRET_KEY: string;
  INTAKE_PREVIOUS_SECRET_KEYS: string[];
  databaseKind: 'pglite' | 'postgres';
  /** Absolute path of the data folder. */
  dataDir: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Intake cannot start: ${variable} ${problem}.`);
    this.name = 'ConfigError';
  }
}

const FIX_HINTS: Record<string, string> = {
  AUTH_SECRET: 'set AUTH_SECRET to a random string (openssl rand -base64 32)',
  INTAKE_SECRET_KEY: 'set INTAKE_SECRET_KEY to a random string (openssl rand -base64 32) and keep it safe: it decrypts stored tokens',
};

function cleanedSource(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(source).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

/** The first problem of a failed parse as one line; secret values and database URLs are never repeated. */
function configErrorOf(error: z.ZodError, cleaned: Record<string, string>): ConfigError {
  const issue = error.issues[0]!;
  const variable = String(issue.path[0] ?? 'environment');
  const given = cleaned[variable];
  const shown = variable.includes('SECRET') || variable.includes('KEY') || variable === 'DATABASE_URL' ? '' : ` (got "${given}")`;
  return new ConfigError(variable, `is invalid${shown}: ${issue.message}`);
}

export type DatabaseLocation = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

/**
 * Where the database is, without resolving the secrets: backup and restore must not generate
 * a secrets file in a data folder (a restore's target must stay empty until it is restored).
 */
export function parseDatabaseLocation(source: Record<string, string | undefined>, cwd = process.cwd()): DatabaseLocation {
  const cleaned = cleanedSource(source);
  const result = envSchema.pick({ DATABASE_URL: true, INTAKE_DATA_DIR: true }).safeParse(cleaned);
  if (!result.success) throw configErrorOf(result.error, cleaned);
  const { DATABASE_URL: url, INTAKE_DATA_DIR: dataDir } = result.data;
  return url ? { kind: 'postgres', url } : { kind: 'pglite', dataDir: path.resolve(cwd, dataDir) };
}

/**
 * The attachment limit alone, for `next.config.ts`: the server-action body limit is set from it
 * when the server starts, before (and without) the secrets that `parseEnv` would resolve.
 */
export function parseMaxAttachmentBytes(source: Record<string, string | undefined>): number {
  const cleaned = cleanedSource(source);
  const result = envSchema.pick({ INTAKE_MAX_ATTACHMENT_BYTES: true }).safeParse(cleaned);
  if (!result.success) throw configErrorOf(result.error, cleaned);
  return result.data.INTAKE_MAX_ATTACHMENT_BYTES;
}

export function parseEnv(source: Record<string, string | undefined>, cwd = process.cwd()): Env {
  const cleaned = cleanedSource(source);
  const result = envSchema.safeParse(cleaned);
  if (!result.success) throw configErrorOf(result.error, cleaned);
  const parsed = result.data;
  const dataDir = path.resolve(cwd, parsed.INTAKE_DATA_DIR);
  const databaseKind = parsed.DATABASE_URL ? 'postgres' : 'pglite';
  const secretsMustBeGiven = databaseKind === 'postgres' && parsed.NODE_ENV === 'production';

  let stored: StoredSecrets | undefined;
  const secretOf = (name: 'AUTH_SECRET' | 'INTAKE_SECRET_KEY'): string => {
    const given = parsed[name];
    if (given) return given;
    if (secretsMustBeGiven) {
      throw new ConfigError(name, `is required with DATABASE_URL in production: ${FIX_HINTS[name]}`);
    }
    stored ??= loadOrCreateStoredSecrets(dataDir);
    return stored[name];
  };

  const authSecret = secretOf('AUTH_SECRET');
  const secretKey = secretOf('INTAKE_SECRET_KEY');
  const previousKeys = [...splitKeys(parsed.INTAKE_PREVIOUS_SECRET_KEYS), ...(parsed.INTAKE_SECRET_KEY ? [] : (stored?.INTAKE_PREVIOUS_SECRET_KEYS ?? []))];

  return {
    ...parsed,
    APP_URL: (parsed.APP_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, ''),
    AUTH_SECRET: authSecret,
    INTAKE_SECRET_KEY: secretKey,
    INTAKE_PREVIOUS_SECRET_KEYS: previousKeys,
    databaseKind,
    dataDir,
  };
}

function splitKeys(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter(Boolean);
}

interface StoredSecrets {
  AUTH_SECRET: string;
  INTAKE_SECRET_KEY: string;
  INTAKE_PREVIOUS_SECRET_KEYS: string[];
}

export function storedSecretsPath(dataDir: string): string {
  return path.join(dataDir, 'secrets.json');
}

/** Embedded mode keeps generated secrets beside the database, readable by the owner only. */
function loadOrCreateStoredSecrets(dataDir: string): StoredSecrets {
  const file = storedSecretsPath(dataDir);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredSecrets>;
    if (stored.AUTH_SECRET && stored.INTAKE_SECRET_KEY) {
      return { INTAKE_PREVIOUS_SECRET_KEYS: [], ...stored } as StoredSecrets;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('INTAKE_DATA_DIR', `holds an unreadable ${file} (${(error as Error).message})`);
    }
  }
  const created: StoredSecrets = {
    AUTH_SECRET: randomBytes(32).toString('base64'),
    INTAKE_SECRET_KEY: randomBytes(32).toString('base64'),
    INTAKE_PREVIOUS_SECRET_KEYS: [],
  };
  writeStoredSecrets(dataDir, created);
  return created;
}

export function writeStoredSecrets(dataDir: string, secrets: StoredSecrets): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = storedSecretsPath(dataDir);
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readStoredSecrets(dataDir: string): StoredSecrets {
  return loadOrCreateStoredSecrets(dataDir);
}

const ENV_KEY = Symbol.for('intake.env');
type GlobalWithEnv = typeof globalThis & { [ENV_KEY]?: Env };

/** The validated configuration of this process, computed once. */
export function getEnv(): Env {
  const holder = globalThis as GlobalWithEnv;
  holder[ENV_KEY] ??= parseEnv(process.env);
  return holder[ENV_KEY];
}
