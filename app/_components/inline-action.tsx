import { ActionForm, type FormServerAction, SubmitButton } from './form';

/** One button that calls a server action with a few hidden values, such as Remove or Retry. */
export function InlineAction({
  action,
  fields,
  label,
  pendingLabel = '…',
  variant = 'secondary',
}: {
  action: FormServerAction;
  fields: Record<string, string>;
  label: string;
  pendingLabel?: string;
  variant?: 'primary' | 'secondary' | 'danger';
}) {
  return (
    <ActionForm action={action} className="inline">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton variant={variant} pendingLabel={pendingLabel}>
        {label}
      </SubmitButton>
    </ActionForm>
  );
}
