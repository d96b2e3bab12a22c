import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';

export const PASSWORD_RULE = 'Use at least 12 characters, with at least one letter and one digit.';

export const passwordSchema = z
  .string()
  .min(12, PASSWORD_RULE)
  .max(256, 'Use at most 256 characters.')
  .refine((value) => /[A-Za-z\p{L}]/u.test(value) && /\d/.test(value), PASSWORD_RULE);

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. */
const ARGON2ID = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2ID);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** Burns the same time as a real check, so unknown emails cannot be told apart by timing. */
let decoyHash: Promise<string> | undefined;
export async function verifyAgainstDecoy(password: string): Promise<false> {
  decoyHash ??= hashPassword('decoy-password-never-matches-0');
  await verifyPassword(await decoyHash, password);
  return false;
}
