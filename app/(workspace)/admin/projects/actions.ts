'use server';

import { revalidatePath } from 'next/cache';
import { formAction, formInput } from '@/app/_server/form-action';
import { createProject } from '@/lib/projects/create-project';

export const createProjectAction = formAction(async ({ db, actor, formData }) => {
  const project = await createProject({ db, actor, input: formInput(formData) });
  revalidatePath('/', 'layout');
  return { status: 'success', message: `Project ${project.key} created. Add its people from Project settings › People.` };
});
