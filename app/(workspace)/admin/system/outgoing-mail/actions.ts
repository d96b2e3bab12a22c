'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { formAction, formInput } from '@/app/_server/form-action';
import type { FormState } from '@/app/_server/form-state';
import { goToProvider } from '@/app/_server/go-to-provider';
import { getDatabase } from '@/db/client';
import { requireSystemAdmin } from '@/lib/auth/actor';
import { reauthorizeOutgoingMail } from '@/lib/outgoing-mail/reauthorize-outgoing-mail';
import { saveOutgoingMailServer } from '@/lib/outgoing-mail/save-outgoing-mail-server';
import { type OutgoingMailTestResult, sendTestEmail } from '@/lib/outgoing-mail/send-test-email';
import { parseInput } from '@/lib/validation';

const intentSchema = z.object({ intent: z.enum(['save', 'test']).default('save') });

const describeSteps = (test: OutgoingMailTestResult) => test.steps.map((step) => `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}`).join('\n');

/** Save (after signing in, or after authorizing at the provider) or Send test email, both from the same typed settings. */
export const outgoingMailAction = formAction(async ({ actor, formData }): Promise<FormState> => {
  requireSystemAdmin(actor);
  const input = formInput(formData);
  const { intent } = parseInput(intentSchema, input);
  const database = await getDatabase();
  if (intent === 'test') {
    const test = await sendTestEmail({ database, actor, input });
    return test.ok
      ? { status: 'success', message: `Test email sent.\n${describeSteps(test)}` }
      : { status: 'error', message: `The test email could not be sent.\n${describeSteps(test)}` };
  }
  const result = await saveOutgoingMailServer({ database, actor, input });
  if (result.outcome === 'authorize') return goToProvider(result.authorization);
  if (result.outcome === 'sign_in_failed') return { status: 'error', message: `Nothing was saved: Intake could not sign in.\n${describeSteps(result.test)}` };
  revalidatePath('/admin/system', 'layout');
  return { status: 'success', message: `Outgoing mail server saved. Alerts go out through it.\n${describeSteps(result.test)}` };
});

/** Authorize: the stored OAuth 2.0 account signs in again at the provider. */
export const authorizeOutgoingMailAction = formAction(async ({ db, actor }) => goToProvider(await reauthorizeOutgoingMail({ db, actor })));
