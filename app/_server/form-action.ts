import { unstable_rethrow } from 'next/navigation';
import { type Database, getDb } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError, ValidationError } from '@/lib/errors';
import { log } from '@/lib/log';
import type { FormState } from './form-state';
import { getActor } from './session';

/** Form fields whose values are never sent back to the browser. */
const SECRET_FIELD = /password|secret|token/i;

export function formValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of formData.entries()) {
    if (name.startsWith('$ACTION') || SECRET_FIELD.test(name) || typeof value !== 'string') continue;
    values[name] = value;
  }
  return values;
}

/** Reads a form into plain input: checkboxes become booleans, repeated names become arrays, file fields lists of files. */
export function formInput(formData: FormData, options: { booleans?: string[]; arrays?: string[]; files?: string[] } = {}) {
  const input: Record<string, unknown> = {};
  for (const name of new Set(formData.keys())) {
    if (name.startsWith('$ACTION')) continue;
    if (options.files?.includes(name)) {
      // A file field left empty is sent as one nameless, empty file.
      input[name] = formData.getAll(name).filter((value): value is File => typeof value !== 'string' && (value.name !== '' || value.size > 0));
      continue;
    }
    const all = formData.getAll(name).filter((value): value is string => typeof value === 'string');
    input[name] = options.arrays?.includes(name) ? all : all.at(-1);
  }
  for (const name of options.booleans ?? []) input[name] = formData.get(name) === 'on' || formData.get(name) === 'true';
  return input;
}

export interface ActionContext {
  db: Database;
  actor: Actor | null;
  formData: FormData;
}

/**
 * Wraps a server action that handles a form: it gets the database and the caller (the
 * business function re-checks permissions), and its failures come back as per-field errors.
 */
export function formAction(
  // biome-ignore lint/suspicious/noConfusingVoidType: an action that has nothing to report simply returns.
  work: (context: ActionContext) => Promise<FormState | void>,
): (previous: FormState, formData: FormData) => Promise<FormState> {
  return async (_previous, formData) => {
    const values = formValues(formData);
    try {
      const result = await work({ db: await getDb(), actor: await getActor(), formData });
      return result ?? { status: 'success', values };
    } catch (error) {
      unstable_rethrow(error);
      if (error instanceof ValidationError) {
        return { status: 'error', message: error.message, fieldErrors: error.fieldErrors, values };
      }
      if (error instanceof PermissionDeniedError || error instanceof NotFoundError) {
        return { status: 'error', message: error.message, values };
      }
      log.error('action.failed', { error });
      return { status: 'error', message: 'Something went wrong on our side; nothing was saved. Please try again.', values };
    }
  };
}
