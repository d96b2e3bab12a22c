import type { z } from 'zod';
import { ValidationError } from './errors';

/** Parses input with a zod schema, turning failures into per-field errors. */
export function parseInput<Schema extends z.ZodType>(schema: Schema, input: unknown): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'form';
    (fieldErrors[field] ??= []).push(issue.message);
  }
  throw new ValidationError(fieldErrors);
}

/** Postgres SQLSTATE 23505, as raised by both postgres.js and PGlite. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  let current: unknown = error;
  while (current && typeof current === 'object') {
    const candidate = current as { code?: string; constraint?: string; constraint_name?: string; cause?: unknown };
    if (candidate.code === '23505') {
      return constraint === undefined || (candidate.constraint ?? candidate.constraint_name) === constraint;
    }
    current = candidate.cause;
  }
  return false;
}
