import type { Metadata } from 'next';
import { ActionForm, CheckboxField, SubmitButton, TextField } from '@/app/_components/form';
import { NotificationsOffNotice } from '@/app/_components/notifications-off-notice';
import { Card, PageHeader } from '@/app/_components/page-header';
import { requireActor } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { NOTIFICATION_KIND_LABEL } from '@/lib/notifications/notification-email';
import { NOTIFICATION_KINDS, type NotificationKind } from '@/lib/notifications/notification-kind';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { getOwnProfile } from '@/lib/users/get-own-profile';
import { PASSWORD_RULE } from '@/lib/users/password';
import { changePasswordAction, updateProfileAction } from './actions';

export const metadata: Metadata = { title: 'Profile' };

const KIND_HINT: Record<NotificationKind, string> = {
  new_request: 'A request arrives in one of your projects (the project decides whether only unassigned ones count).',
  customer_reply: 'A customer writes on a request assigned to you, or on an unassigned one in your projects.',
  assigned: 'Someone else assigns a request to you.',
  mentioned: 'Someone writes @ and your address before the @, or your name without spaces, in an internal note.',
};

export default async function ProfilePage() {
  const actor = await requireActor();
  const db = await getDb();
  const [profile, on] = await Promise.all([getOwnProfile({ db, actor }), notificationsAreOn(db)]);
  return (
    <>
      <PageHeader title="Profile" description={profile.email} />
      <div className="max-w-xl space-y-6">
        <Card title="Name and notification emails" description="Many things at once (more than five within a minute) arrive as one digest email.">
          {on ? null : <NotificationsOffNotice canSetUp={actor.isSystemAdmin} />}
          <ActionForm action={updateProfileAction}>
            <TextField name="name" label="Name" defaultValue={profile.name} required autoComplete="name" />
            <fieldset className="space-y-3">
              <legend className="text-sm font-medium text-slate-800">Email me when</legend>
              {NOTIFICATION_KINDS.map((kind) => (
                <CheckboxField
                  key={kind}
                  name={kind}
                  label={NOTIFICATION_KIND_LABEL[kind]}
                  defaultChecked={profile.emailed.includes(kind)}
                  hint={KIND_HINT[kind]}
                />
              ))}
            </fieldset>
            <SubmitButton pendingLabel="Saving…">Save</SubmitButton>
          </ActionForm>
        </Card>
        <Card title="Password" description="Changing it signs you out everywhere else.">
          <ActionForm action={changePasswordAction} resetOnSuccess>
            <TextField name="currentPassword" label="Current password" type="password" autoComplete="current-password" required />
            <TextField name="newPassword" label="New password" type="password" autoComplete="new-password" hint={PASSWORD_RULE} required />
            <TextField name="confirmPassword" label="Repeat the new password" type="password" autoComplete="new-password" required />
            <SubmitButton pendingLabel="Saving…">Change password</SubmitButton>
          </ActionForm>
        </Card>
      </div>
    </>
  );
}
