import { z } from 'zod';
import { ValidationError } from './errors';

/** Parses input with a zod schema, turning failures into per-field errors. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  /** More per-field problems found outside the schema, reported together with its own. */
  extraErrors: Record<string, string[]> = {},
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success && Object.keys(extraErrors).length === 0) return result.data;
  throw new ValidationError(byField(result.error?.issues ?? [], { ...extraErrors }));
}

/** The schema's complaints about `input`, per field (`form` for the whole); none when it is valid. */
export function fieldErrorsOf(schema: z.ZodType, input: unknown): Record<string, string[]> {
  return byField(schema.safeParse(input).error?.issues ?? [], {});
}

function byField(issues: z.core.$ZodIssue[], fieldErrors: Record<string, string[]>): Record<string, string[]> {
  for (const issue of issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'form';
    fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
  }
  return fieldErrors;
}

/**
 * The project a form is about, read before anything else so permission is checked before the
 * rest of the input is validated (refused callers learn nothing about the form).
 */
export function projectIdOf(input: unknown): string {
  return parseInput(z.object({ projectId: z.uuid() }), input).projectId;
}

const uuidSchema = z.uuid();

/** Whether a value is a UUID PostgreSQL's uuid type accepts: checked before any query, so a malformed id is a 404, never a database error. */
export function isUuid(value: unknown): value is string {
  return uuidSchema.safeParse(value).success;
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
