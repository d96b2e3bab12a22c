/** What a form's server action answers; shared by server actions and the form components. */
export interface FormState {
  /** `warning`: it worked, with a part that needs attention (reading works, sending does not). */
  status: 'idle' | 'success' | 'warning' | 'error';
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** The submitted values (never secrets), so a rejected form loses nothing. */
  values?: Record<string, string>;
}

export const idleFormState: FormState = { status: 'idle' };
