'use server';

import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { formAction, formInput } from '@/app/_server/form-action';
import { deleteIntegration } from '@/lib/oauth/delete-integration';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { testIntegration } from '@/lib/oauth/test-integration';
import { parseInput } from '@/lib/validation';

const integrationIdOf = (formData: FormData) => parseInput(z.uuid(), formData.get('integrationId'));

export const createIntegrationAction = formAction(async ({ db, actor, formData }) => {
  const saved = await saveIntegration({ db, actor, mode: 'create', integrationId: integrationIdOf(formData), input: formInput(formData) });
  revalidatePath('/admin/system/oauth');
  redirect(`/admin/system/oauth/${saved.id}?saved=1`);
});

export const updateIntegrationAction = formAction(async ({ db, actor, formData }) => {
  await saveIntegration({ db, actor, mode: 'update', integrationId: integrationIdOf(formData), input: formInput(formData) });
  revalidatePath('/admin/system/oauth', 'layout');
  return { status: 'success', message: 'Integration saved.' };
});

export const testIntegrationAction = formAction(async ({ db, actor, formData }) => {
  const result = await testIntegration({ db, actor, integrationId: integrationIdOf(formData) });
  revalidatePath('/admin/system/oauth', 'layout');
  const steps = result.steps.map((step) => `${step.ok ? '✓' : '✗'} ${step.step}: ${step.detail}`).join('\n');
  return { status: result.ok ? 'success' : 'error', message: `${result.summary}\n${steps}` };
});

export const deleteIntegrationAction = formAction(async ({ db, actor, formData }) => {
  await deleteIntegration({ db, actor, integrationId: integrationIdOf(formData) });
  revalidatePath('/admin/system/oauth');
  redirect('/admin/system/oauth?deleted=1');
});
