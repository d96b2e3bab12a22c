'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { formAction, formInput } from '@/app/_server/form-action';
import { goToProvider } from '@/app/_server/go-to-provider';
import type { FormState } from '@/app/_server/form-state';
import { getDatabase } from '@/db/client';
import { getEnv } from '@/lib/env';
import { MailConnectionError } from '@/lib/mail/mail-error';
import { retryInboundMessage } from '@/lib/ingest/retry-inbound-message';
import { addSenderRule, removeSenderRule } from '@/lib/ingest/sender-rules';
import { cancelExistingMailImport } from '@/lib/mailboxes/existing-mail-import';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import { removeMailbox } from '@/lib/mailboxes/remove-mailbox';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { setMailboxEnabled } from '@/lib/mailboxes/set-mailbox-enabled';
import type { MailboxScope } from '@/lib/mailboxes/mailbox-target';
import { type MailboxTestResult, testMailbox, testMailboxSettings } from '@/lib/mailboxes/test-mailbox';
import { pathOnApp } from '@/lib/net/path-on-app';
import { isUuid, parseInput } from '@/lib/validation';

/** Where the form sends the browser back to: a path on Intake, never another host. */
const returnToSchema = z.string().refine((value) => pathOnApp(value, getEnv().APP_URL) !== null, 'Invalid return path.');

const formMeta = z.object({
  scope: z.union([z.literal('server'), z.string().refine((value) => value.startsWith('channel:') && isUuid(value.slice('channel:'.length)))]),
  mailboxId: z.union([z.literal(''), z.uuid()]).default(''),
  returnTo: returnToSchema,
  intent: z.enum(['save', 'test']).default('save'),
});

function scopeOf(value: string): MailboxScope {
  return value === 'server' ? { kind: 'server' } : { kind: 'channel', projectId: value.slice('channel:'.length) };
}

function describeTest(test: MailboxTestResult): string {
  return [...test.steps, ...(test.outgoing ? [test.outgoing] : [])].map((step) => `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}`).join('\n');
}

/** The answer to Test connection: reading and sending are told apart, since a mailbox may do one and not the other. */
function testOutcome(test: MailboxTestResult): FormState {
  if (!test.ok) return { status: 'error', message: `The connection test failed.\n${describeTest(test)}` };
  if (test.outgoing && !test.outgoing.ok)
    return { status: 'warning', message: `Intake can read this mailbox, but replies cannot be sent through it.\n${describeTest(test)}` };
  return { status: 'success', message: `Connection works.\n${describeTest(test)}` };
}

const booleans = ['createRequests', 'addComments', 'onlyMailToAlias'];

export const saveMailboxAction = formAction(async ({ actor, formData }): Promise<FormState> => {
  const meta = parseInput(formMeta, formInput(formData));
  const database = await getDatabase();
  const input = formInput(formData, { booleans });
  const scope = scopeOf(meta.scope);
  if (meta.intent === 'test') {
    try {
      const test = await testMailboxSettings({ database, actor, scope, mailboxId: meta.mailboxId || undefined, input });
      revalidatePath(meta.returnTo);
      return testOutcome(test);
    } catch (error) {
      if (error instanceof MailConnectionError) return { status: 'error', message: error.message };
      throw error;
    }
  }
  const result = await saveMailbox({ database, actor, scope, mailboxId: meta.mailboxId || undefined, input, returnTo: meta.returnTo });
  if (result.outcome === 'authorize') return goToProvider(result.authorization);
  if (result.outcome === 'test_failed') {
    return { status: 'error', message: `Nothing was saved: the connection test failed.\n${describeTest(result.test)}` };
  }
  revalidatePath(meta.returnTo);
  if (scope.kind === 'server' && !meta.mailboxId) redirect(`/admin/system/incoming-mail/${result.mailboxId}`);
  return { status: 'success', message: `Saved. The connection works.\n${describeTest(result.test)}` };
});

const mailboxIdSchema = z.object({ mailboxId: z.uuid(), returnTo: returnToSchema });

export const authorizeMailboxAction = formAction(async ({ db, actor, formData }) => {
  const { mailboxId, returnTo } = parseInput(mailboxIdSchema, formInput(formData));
  return goToProvider(await reauthorizeMailbox({ db, actor, mailboxId, returnTo }));
});

export const setMailboxEnabledAction = formAction(async ({ actor, formData }) => {
  const { mailboxId, returnTo } = parseInput(mailboxIdSchema, formInput(formData));
  const enabled = formData.get('enabled') === 'true';
  await setMailboxEnabled({ database: await getDatabase(), actor, mailboxId, enabled });
  revalidatePath(returnTo);
  return {
    status: 'success',
    message: enabled ? 'Enabled: the connection test passed and Intake reads this mailbox again.' : 'Disabled: Intake no longer reads this mailbox.',
  };
});

export const cancelExistingMailImportAction = formAction(async ({ actor, formData }) => {
  const { mailboxId, returnTo } = parseInput(mailboxIdSchema, formInput(formData));
  await cancelExistingMailImport({ database: await getDatabase(), actor, mailboxId });
  revalidatePath(returnTo);
  return { status: 'success', message: 'Import cancelled: what was imported stays, the older mail is left in the mailbox. New mail is filed as before.' };
});

/** Tests a saved mailbox as stored and records the result as its health. */
export const testStoredMailboxAction = formAction(async ({ actor, formData }) => {
  const { mailboxId, returnTo } = parseInput(mailboxIdSchema, formInput(formData));
  const test = await testMailbox({ database: await getDatabase(), actor, mailboxId, outgoing: true });
  revalidatePath(returnTo);
  return testOutcome(test);
});

export const retryInboundMessageAction = formAction(async ({ db, actor, formData }) => {
  const input = formInput(formData);
  await retryInboundMessage({ db, actor, input });
  revalidatePath(String(input.returnTo ?? '/'));
  return { status: 'success', message: 'Queued for another attempt.' };
});

export const addSenderRuleAction = formAction(async ({ db, actor, formData }) => {
  const input = formInput(formData);
  await addSenderRule({ db, actor, input });
  revalidatePath(String(input.returnTo ?? '/'));
  return { status: 'success', message: 'Added.' };
});

export const removeSenderRuleAction = formAction(async ({ db, actor, formData }) => {
  const input = formInput(formData);
  await removeSenderRule({ db, actor, input });
  revalidatePath(String(input.returnTo ?? '/'));
  return { status: 'success', message: 'Removed.' };
});

export const removeMailboxAction = formAction(async ({ db, actor, formData }) => {
  const { mailboxId, returnTo } = parseInput(mailboxIdSchema, formInput(formData));
  await removeMailbox({ db, actor, mailboxId });
  revalidatePath(returnTo);
  redirect(`${returnTo}${returnTo.includes('?') ? '&' : '?'}removed=1`);
});
