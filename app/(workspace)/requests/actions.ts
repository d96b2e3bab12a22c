'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { formAction, formInput } from '@/app/_server/form-action';
import { resendOutboundMessage } from '@/lib/outbound/resend-outbound-message';
import { getEnv } from '@/lib/env';
import { PermissionDeniedError } from '@/lib/errors';
import { addAgentComment, agentCommentSchema } from '@/lib/requests/add-agent-comment';
import { parseInput } from '@/lib/validation';
import { createRequestByAgent } from '@/lib/requests/create-request-by-agent';
import { addParticipant, removeParticipant, updateRequest } from '@/lib/requests/update-request';

export const createRequestAction = formAction(async ({ db, actor, formData }) => {
  const created = await createRequestByAgent({ db, actor, input: formInput(formData) });
  redirect(`/requests/${created.key}`);
});

export const addCommentAction = formAction(async ({ db, actor, formData }) => {
  if (!actor) throw new PermissionDeniedError();
  // Checked where the form arrives as well as in addAgentComment, which other callers use as it is.
  const input = parseInput(agentCommentSchema(getEnv().INTAKE_MAX_ATTACHMENT_BYTES), formInput(formData, { files: ['files'] }));
  const result = await addAgentComment({ db, actor, input });
  revalidatePath('/requests', 'layout');
  return { status: 'success', message: result.outboundId ? 'Reply saved; it is being emailed to the customer.' : 'Internal note saved.' };
});

export const updateRequestAction = formAction(async ({ db, actor, formData }) => {
  await updateRequest({ db, actor, input: formInput(formData) });
  revalidatePath('/requests', 'layout');
  return { status: 'success', message: 'Request updated.' };
});

export const addParticipantAction = formAction(async ({ db, actor, formData }) => {
  await addParticipant({ db, actor, input: formInput(formData) });
  revalidatePath('/requests', 'layout');
  return { status: 'success', message: 'Participant added.' };
});

export const removeParticipantAction = formAction(async ({ db, actor, formData }) => {
  await removeParticipant({ db, actor, input: formInput(formData) });
  revalidatePath('/requests', 'layout');
  return { status: 'success', message: 'Participant removed.' };
});

export const resendEmailAction = formAction(async ({ db, actor, formData }) => {
  await resendOutboundMessage({ db, actor, input: formInput(formData) });
  revalidatePath('/requests', 'layout');
  return { status: 'success', message: 'The email is queued to be sent again.' };
});
