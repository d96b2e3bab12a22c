import { addSenderRuleAction, removeSenderRuleAction } from '@/app/(workspace)/mailbox-actions';
import { ActionForm, SelectField, SubmitButton, TextField } from './form';
import { InlineAction } from './inline-action';

/** Allow- and blocklist entries, global (no project) or for one project. */
export function SenderRules({
  projectId,
  rules,
  returnTo,
}: {
  projectId: string | null;
  rules: { id: string; kind: 'allow' | 'block'; pattern: string }[];
  returnTo: string;
}) {
  return (
    <div className="space-y-4">
      {rules.length === 0 ? (
        <p className="text-sm text-slate-600">No entries. Everyone may write, except automatic mail, which is ignored.</p>
      ) : (
        <ul className="space-y-2 text-sm" aria-label="Sender rules">
          {rules.map((rule) => (
            <li key={rule.id} className="flex items-center justify-between gap-2">
              <span>
                <span className={`mr-2 rounded px-1.5 py-0.5 text-xs ${rule.kind === 'block' ? 'bg-red-100 text-red-800' : 'bg-green-100 text-green-800'}`}>
                  {rule.kind === 'block' ? 'Blocked' : 'Allowed'}
                </span>
                {rule.pattern}
              </span>
              <InlineAction action={removeSenderRuleAction} fields={{ ruleId: rule.id, returnTo }} label="Remove" />
            </li>
          ))}
        </ul>
      )}
      <ActionForm action={addSenderRuleAction} className="grid grid-cols-[1fr_10rem_auto] items-end gap-3" resetOnSuccess>
        <input type="hidden" name="projectId" value={projectId ?? ''} />
        <input type="hidden" name="returnTo" value={returnTo} />
        <TextField name="pattern" label="Address or domain" placeholder="vip@customer.com or spammer.example" />
        <SelectField
          name="kind"
          label="List"
          options={[
            { value: 'block', label: 'Blocklist' },
            { value: 'allow', label: 'Allowlist' },
          ]}
        />
        <SubmitButton variant="secondary" pendingLabel="Adding…">
          Add
        </SubmitButton>
      </ActionForm>
      <p className="text-xs text-slate-500">
        The blocklist refuses mail; the allowlist lets mail through that would otherwise be ignored as automatic or refused by a restricted project.
      </p>
    </div>
  );
}
