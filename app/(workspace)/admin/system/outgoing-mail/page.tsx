import type { Metadata } from 'next';
import { Card } from '@/app/_components/page-header';
import { NotificationsOffNotice } from '@/app/_components/notifications-off-notice';
import { requireSystemAdminPage } from '@/app/_server/session';
import { getDb } from '@/db/client';
import { getOutgoingMailServer } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { outgoingMailAction } from './actions';
import { OutgoingMailForm } from './outgoing-mail-form';

export const metadata: Metadata = { title: 'Outgoing mail' };

export default async function OutgoingMailPage() {
  const actor = await requireSystemAdminPage();
  const server = await getOutgoingMailServer({ db: await getDb(), actor });
  return (
    <>
      {server ? null : <NotificationsOffNotice canSetUp />}
      <Card
        title="Outgoing mail"
        description="The SMTP server Intake sends its own email through: alerts to admins and notifications. Replies to customers go out through each channel's own mailbox."
      >
        <OutgoingMailForm
          action={outgoingMailAction}
          hasPassword={server !== null}
          sendTo={actor.email}
          initial={server ? { ...server, port: String(server.port) } : { host: '', port: '587', security: 'starttls', username: '', fromAddress: '' }}
        />
      </Card>
    </>
  );
}
