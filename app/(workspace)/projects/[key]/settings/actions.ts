'use server';

import { revalidatePath } from 'next/cache';
import { formAction, formInput } from '@/app/_server/form-action';
import { removeProjectMember } from '@/lib/projects/remove-project-member';
import { setProjectMember } from '@/lib/projects/set-project-member';
import { updateEmailSettings } from '@/lib/projects/update-email-settings';
import { updateNotificationSettings } from '@/lib/projects/update-notification-settings';
import { updateProject } from '@/lib/projects/update-project';

export const updateProjectAction = formAction(async ({ db, actor, formData }) => {
  await updateProject({ db, actor, input: formInput(formData) });
  revalidatePath('/', 'layout');
  return { status: 'success', message: 'Project details saved.' };
});

export const setProjectMemberAction = formAction(async ({ db, actor, formData }) => {
  await setProjectMember({ db, actor, input: formInput(formData) });
  revalidatePath('/projects', 'layout');
  return { status: 'success', message: 'People updated.' };
});

export const removeProjectMemberAction = formAction(async ({ db, actor, formData }) => {
  await removeProjectMember({ db, actor, input: formInput(formData) });
  revalidatePath('/projects', 'layout');
  return { status: 'success', message: 'Removed from the project.' };
});

export const updateEmailSettingsAction = formAction(async ({ db, actor, formData }) => {
  await updateEmailSettings({ db, actor, input: formInput(formData, { booleans: ['sendConfirmations'] }) });
  revalidatePath('/projects', 'layout');
  return { status: 'success', message: 'Email settings saved.' };
});

export const updateNotificationSettingsAction = formAction(async ({ db, actor, formData }) => {
  await updateNotificationSettings({ db, actor, input: formInput(formData) });
  revalidatePath('/projects', 'layout');
  return { status: 'success', message: 'Notification settings saved.' };
});
