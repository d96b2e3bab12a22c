/** What a form's server action answers; shared by server actions and the form components. */
export interface FormState {
  status: 'idle' | 'success' | 'error';
  message?: string;
  fieldErrors?: Record<string, string[]>;
  /** The submitted values (never secrets), so a rejected form loses nothing. */
  values?: Record<string, string>;
}

export const idleFormState: FormState = { status: 'idle' };
