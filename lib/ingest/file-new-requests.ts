import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { inboundMessages, type mailboxes, projects, requestParticipants, requests } from '@/db/schema';
import { upsertCustomers } from '@/lib/customers/upsert-customer';
import type { ParsedEmail } from '@/lib/email/parse-email';
import { listOwnAddresses } from '@/lib/mailboxes/list-own-addresses';
import { recordNotifications } from '@/lib/notifications/record-notifications';
import { requestKey, requestSummary } from '@/lib/requests/insert-request';
import { emailParticipants } from './email-participants';
import { describeInboundOutcome } from './inbound-outcome';
import { confirmationsLeft, queueConfirmation } from './queue-confirmation';
import { storeAttachments } from './store-attachments';

export interface NewRequestMail {
  inboundId: string;
  email: ParsedEmail;
  /** Existing mail of a newly connected mailbox: filed without a confirmation. */
  imported: boolean;
}

type Mailbox = typeof mailboxes.$inferSelect;
type Project = typeof projects.$inferSelect;

/**
 * Files a run of new-request emails of one channel in one transaction, in the order given:
 * the same rows and keys as filing them one by one (see fileEmail), in a handful of
 * multi-row statements and one commit. Messages another poll filed meanwhile are skipped,
 * as their row lock shows. Returns the ids of the messages filed.
 */
export async function fileNewRequests(db: Database, mailbox: Mailbox, project: Project, mail: NewRequestMail[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ id: inboundMessages.id })
      .from(inboundMessages)
      .where(
        and(
          inArray(
            inboundMessages.id,
            mail.map((item) => item.inboundId),
          ),
          eq(inboundMessages.status, 'pending'),
        ),
      )
      .orderBy(inboundMessages.id)
      .for('update');
    const pending = new Set(locked.map((row) => row.id));
    const filing = mail.filter((item) => pending.has(item.inboundId));
    if (filing.length === 0) return [];

    const own = await listOwnAddresses(tx);
    const participantsOf = (email: ParsedEmail) => emailParticipants(email, own);
    const customerIds = await upsertCustomers(
      tx,
      project.id,
      filing.flatMap(({ email }) => [email.from!, ...participantsOf(email)]).map(({ address, name }) => ({ email: address, name })),
    );

    const [counter] = await tx
      .update(projects)
      .set({ requestCounter: sql`${projects.requestCounter} + ${filing.length}` })
      .where(eq(projects.id, project.id))
      .returning({ last: projects.requestCounter, key: projects.key });
    if (!counter) throw new Error('The project of a new request does not exist.');
    const created = filing.map((item, index) => {
      const number = counter.last - filing.length + 1 + index;
      return {
        ...item,
        id: randomUUID(),
        number,
        key: requestKey(counter.key, number),
        summary: requestSummary(item.email.subject),
        reporterId: customerIds.get(item.email.from!.address)!,
      };
    });
    await tx.insert(requests).values(
      created.map(({ id, number, summary, email, reporterId, imported }) => ({
        id,
        projectId: project.id,
        number,
        summary,
        description: email.text,
        descriptionHtml: email.html,
        reporterId,
        mailboxId: mailbox.id,
        imported,
      })),
    );
    const participants = created.flatMap(({ id, email, reporterId }) =>
      [...new Set(participantsOf(email).map((address) => customerIds.get(address.address)!))]
        .filter((customerId) => customerId !== reporterId)
        .map((customerId) => ({ requestId: id, customerId })),
    );
    if (participants.length > 0) await tx.insert(requestParticipants).values(participants).onConflictDoNothing();
    await storeAttachments(
      tx,
      created.map(({ id, email }) => ({ requestId: id, commentId: null, files: email.attachments })),
    );
    if (project.sendConfirmations) {
      const budget = await confirmationsLeft(tx, mailbox.id);
      for (const { id, key, summary, email } of created.filter((item) => !item.imported))
        await queueConfirmation(tx, { id, key, summary, projectId: project.id, mailboxId: mailbox.id }, email, budget);
    }
    // A backlog imported at connection is old mail: it notifies nobody.
    await recordNotifications(tx, { kind: 'new_request', requestIds: created.filter((item) => !item.imported).map((item) => item.id) });
    const outcomes = sql.join(
      created.map(
        ({ inboundId, id, key }) =>
          sql`(${inboundId}::uuid, ${describeInboundOutcome({ kind: 'request_created', requestId: id, requestKey: key })}, ${id}::uuid)`,
      ),
      sql`, `,
    );
    await tx.execute(sql`update ${inboundMessages} set status = 'processed', outcome = filed.outcome, request_id = filed.request_id, processed_at = now(), last_error = null
      from (values ${outcomes}) as filed(id, outcome, request_id) where ${inboundMessages.id} = filed.id`);
    return created.map((item) => item.inboundId);
  });
}
