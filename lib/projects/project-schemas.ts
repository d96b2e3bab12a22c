import { z } from 'zod';

export const projectKeySchema = z
  .string()
  .trim()
  .regex(/^[A-Z]{2,10}$/, 'Use 2 to 10 capital letters (A–Z), such as SD or HELP.');

export const projectDetailsSchema = z.object({
  name: z.string().trim().min(1, 'Enter a project name.').max(120, 'Use at most 120 characters.'),
  description: z.string().trim().max(2000, 'Use at most 2000 characters.').default(''),
});
