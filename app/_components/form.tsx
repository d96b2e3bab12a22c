'use client';

import {
  type ChangeEvent,
  createContext,
  type FormEvent,
  type ReactNode,
  startTransition,
  useActionState,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { type FormState, idleFormState } from '@/app/_server/form-state';
import { attachmentsTooLargeMessage, totalSize } from '@/lib/files/attachment-limit';
import { formatSize } from '@/lib/files/format-size';
import { buttonClass, inputClass } from './styles';

const FormStateContext = createContext<FormState>(idleFormState);
const PendingContext = createContext(false);

export type FormServerAction = (previous: FormState, formData: FormData) => Promise<FormState>;

/** A form bound to a server action; fields below it show their own errors and keep their values. */
export function ActionForm({
  action,
  children,
  className = 'space-y-5',
  successMessage,
  resetOnSuccess = false,
  id,
}: {
  action: FormServerAction;
  children: ReactNode;
  className?: string;
  successMessage?: string;
  /** Clear the fields after a successful submit (forms that create things). */
  resetOnSuccess?: boolean;
  id?: string;
}) {
  const [state, dispatch, pending] = useActionState(action, idleFormState);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (resetOnSuccess && state.status === 'success') form.current?.reset();
  }, [state, resetOnSuccess]);
  // Submitting by hand (instead of React's form action) keeps every typed value when the
  // server answers with errors; without JavaScript the form still posts to the action.
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const formData = new FormData(event.currentTarget, submitter);
    startTransition(() => dispatch(formData));
  };
  return (
    <FormStateContext.Provider value={state}>
      <PendingContext.Provider value={pending}>
        <form ref={form} action={dispatch} onSubmit={submit} className={className} noValidate id={id} aria-busy={pending}>
          <FormAlert state={state} successMessage={successMessage} />
          {children}
        </form>
      </PendingContext.Provider>
    </FormStateContext.Provider>
  );
}

const ALERT_STYLE = {
  error: 'border-red-200 bg-red-50 text-red-800',
  warning: 'border-amber-200 bg-amber-50 text-amber-900',
} as const;

function FormAlert({ state, successMessage }: { state: FormState; successMessage?: string }) {
  if ((state.status === 'error' || state.status === 'warning') && state.message) {
    return (
      <p role="alert" data-status={state.status} className={`whitespace-pre-line rounded-md border px-3 py-2 text-sm ${ALERT_STYLE[state.status]}`}>
        {state.message}
      </p>
    );
  }
  const message = state.status === 'success' ? (state.message ?? successMessage) : undefined;
  if (!message) return null;
  return (
    <p role="status" className="whitespace-pre-line rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-800">
      {message}
    </p>
  );
}

export function useFieldState(name: string) {
  const state = useContext(FormStateContext);
  return { errors: state.fieldErrors?.[name] ?? [], submitted: state.values?.[name] };
}

export function FieldShell({ id, label, hint, errors, children }: { id: string; label: string; hint?: ReactNode; errors: string[]; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {errors.map((error) => (
        <p key={error} id={`${id}-error`} className="text-sm text-red-700">
          {error}
        </p>
      ))}
    </div>
  );
}

export function TextField({
  name,
  label,
  type = 'text',
  defaultValue,
  hint,
  required,
  readOnly,
  autoComplete,
  placeholder,
}: {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'url' | 'number';
  defaultValue?: string;
  hint?: ReactNode;
  required?: boolean;
  readOnly?: boolean;
  autoComplete?: string;
  placeholder?: string;
}) {
  const id = useId();
  const { errors, submitted } = useFieldState(name);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors}>
      <input
        id={id}
        name={name}
        type={type}
        defaultValue={type === 'password' ? undefined : (submitted ?? defaultValue)}
        required={required}
        readOnly={readOnly}
        autoComplete={autoComplete}
        placeholder={placeholder}
        aria-invalid={errors.length > 0}
        aria-describedby={errors.length > 0 ? `${id}-error` : hint ? `${id}-hint` : undefined}
        className={inputClass}
      />
    </FieldShell>
  );
}

export function TextAreaField({
  name,
  label,
  defaultValue,
  hint,
  rows = 4,
}: {
  name: string;
  label: string;
  defaultValue?: string;
  hint?: ReactNode;
  rows?: number;
}) {
  const id = useId();
  const { errors, submitted } = useFieldState(name);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors}>
      <textarea id={id} name={name} rows={rows} defaultValue={submitted ?? defaultValue} aria-invalid={errors.length > 0} className={inputClass} />
    </FieldShell>
  );
}

/**
 * Files to upload with the form, at most `maxBytes` together. A choice over the limit is refused
 * at once and the field emptied: sent, it would fail as a whole and take the typed text with it.
 */
export function FileField({ name, label, maxBytes }: { name: string; label: string; maxBytes: number }) {
  const id = useId();
  const { errors } = useFieldState(name);
  const [tooLarge, setTooLarge] = useState<string | null>(null);
  const shown = tooLarge ? [tooLarge] : errors;
  const choose = (event: ChangeEvent<HTMLInputElement>) => {
    const total = totalSize(Array.from(event.currentTarget.files ?? []));
    if (total > maxBytes) {
      setTooLarge(attachmentsTooLargeMessage(maxBytes, total));
      event.currentTarget.value = '';
    } else setTooLarge(null);
  };
  return (
    <FieldShell id={id} label={label} hint={`Up to ${formatSize(maxBytes)} in all.`} errors={shown}>
      <input
        id={id}
        name={name}
        type="file"
        multiple
        onChange={choose}
        aria-invalid={shown.length > 0}
        aria-describedby={shown.length > 0 ? `${id}-error` : `${id}-hint`}
        className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium hover:file:bg-slate-50"
      />
    </FieldShell>
  );
}

export function SelectField({
  name,
  label,
  options,
  defaultValue,
  hint,
  onChange,
}: {
  name: string;
  label: string;
  options: { value: string; label: string }[];
  defaultValue?: string;
  hint?: ReactNode;
  onChange?: (value: string) => void;
}) {
  const id = useId();
  const { errors, submitted } = useFieldState(name);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors}>
      <select
        id={id}
        name={name}
        defaultValue={submitted ?? defaultValue}
        aria-invalid={errors.length > 0}
        className={inputClass}
        onChange={onChange ? (event) => onChange(event.target.value) : undefined}
      >
        <Options options={options} />
      </select>
    </FieldShell>
  );
}

export function CheckboxField({ name, label, defaultChecked, hint }: { name: string; label: string; defaultChecked?: boolean; hint?: ReactNode }) {
  const id = useId();
  const { errors, submitted } = useFieldState(name);
  const state = useContext(FormStateContext);
  const checked = state.values ? submitted === 'on' : defaultChecked;
  return (
    <div className="space-y-1">
      <div className="flex items-center gap-2">
        <input id={id} name={name} type="checkbox" defaultChecked={checked} className="h-4 w-4 rounded border-slate-300 text-brand-600" />
        <label htmlFor={id} className="text-sm text-slate-800">
          {label}
        </label>
      </div>
      {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
      {errors.map((error) => (
        <p key={error} className="text-sm text-red-700">
          {error}
        </p>
      ))}
    </div>
  );
}

export function SubmitButton({
  children,
  pendingLabel,
  variant = 'primary',
  name,
  value,
}: {
  children: ReactNode;
  pendingLabel?: string;
  variant?: 'primary' | 'secondary' | 'danger';
  name?: string;
  value?: string;
}) {
  const pending = useContext(PendingContext);
  return (
    <button type="submit" name={name} value={value} disabled={pending} className={buttonClass(variant)} aria-busy={pending}>
      {pending ? (pendingLabel ?? 'Working…') : children}
    </button>
  );
}

/** A select whose value the form keeps in state, for choices that change other fields. */
export function ControlledSelect({
  name,
  label,
  value,
  options,
  onChange,
  hint,
}: {
  name: string;
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  hint?: string;
}) {
  const id = useId();
  const { errors } = useFieldState(name);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors}>
      <select id={id} name={name} value={value} onChange={(event) => onChange(event.target.value)} aria-invalid={errors.length > 0} className={inputClass}>
        <Options options={options} />
      </select>
    </FieldShell>
  );
}

/** A text input whose value the form keeps in state, for fields that others follow. */
export function ControlledText({
  name,
  label,
  value,
  onChange,
  type = 'text',
  hint,
}: {
  name: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  type?: 'text' | 'email' | 'number';
  hint?: string;
}) {
  const id = useId();
  const { errors } = useFieldState(name);
  return (
    <FieldShell id={id} label={label} hint={hint} errors={errors}>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={errors.length > 0}
        className={inputClass}
      />
    </FieldShell>
  );
}

function Options({ options }: { options: readonly { value: string; label: string }[] }) {
  return options.map((option) => (
    <option key={option.value} value={option.value}>
      {option.label}
    </option>
  ));
}
