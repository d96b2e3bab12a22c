import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { mailboxes, oauthIntegrations, outgoingMailServer } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { NotFoundError, ValidationError } from '@/lib/errors';

export async function deleteIntegration({ db, actor, integrationId }: { db: Database; actor: Actor | null; integrationId: string }) {
  requireSystemAdmin(actor);
  await db.transaction(async (tx) => {
    const [integration] = await tx.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId)).for('update');
    if (!integration) throw new NotFoundError('The integration');
    const users = await tx
      .select({ emailAddress: mailboxes.emailAddress, kind: mailboxes.kind })
      .from(mailboxes)
      .where(eq(mailboxes.integrationId, integrationId));
    const outgoing = await tx
      .select({ username: outgoingMailServer.username })
      .from(outgoingMailServer)
      .where(eq(outgoingMailServer.integrationId, integrationId));
    if (users.length > 0 || outgoing.length > 0) {
      const list = [
        ...users.map((mailbox) => `${mailbox.emailAddress} (${mailbox.kind === 'channel' ? 'email channel' : 'incoming mail server'})`),
        ...outgoing.map((server) => `${server.username} (outgoing mail)`),
      ].join(', ');
      throw new ValidationError({}, `This integration cannot be deleted while these use it: ${list}. Switch or remove them first.`);
    }
    await tx.delete(oauthIntegrations).where(eq(oauthIntegrations.id, integrationId));
    await recordAudit(tx, {
      actor,
      action: 'integration.delete',
      targetType: 'oauth_integration',
      targetId: integrationId,
      details: { name: integration.name },
    });
  });
}
