import { randomUUID } from 'node:crypto';
import { and, asc, eq, exists, inArray, isNotNull, isNull, lte, not, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { DatabaseHandle, Queryable } from '@/db/client';
import { mailboxes, notifications, projectMembers, projects, requests, users } from '@/db/schema';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { sendSystemEmail } from '@/lib/outgoing-mail/send-system-email';
import { requestKey } from '@/lib/requests/insert-request';
import { answerMessageId } from './answer-token';
import { notificationEmail } from './notification-email';
import { planNotificationEmails } from './plan-notification-emails';

/** Failed sends of a notification before it is given up (shown as not sent on the request page). */
export const MAX_NOTIFICATION_ATTEMPTS = 5;
/** While one worker sends a person's notifications, others leave them alone this long. */
const SEND_CLAIM_MS = 5 * 60_000;
/** People served per run; the rest wait for the next. */
const RECIPIENTS_PER_RUN = 200;

export interface NotificationReport {
  emails: number;
  notified: number;
  skipped: number;
  failed: number;
  /** No outgoing mail server: waiting notifications stay, none is dropped. */
  notificationsOff: boolean;
}

const free = (now: Date) => or(isNull(notifications.claimedUntil), lte(notifications.claimedUntil, now));

/**
 * Notifications no longer worth sending: a new request assigned meanwhile in a project that is
 * told only of unassigned ones, or a recipient deactivated or removed from the project since.
 */
async function skipStale(db: Queryable, now: Date): Promise<number> {
  const stillMember = exists(
    db
      .select({ one: sql`1` })
      .from(projectMembers)
      .innerJoin(users, eq(users.id, projectMembers.userId))
      .where(and(eq(projectMembers.projectId, requests.projectId), eq(projectMembers.userId, notifications.recipientId), eq(users.active, true))),
  );
  const assignedMeanwhile = and(eq(notifications.kind, 'new_request'), eq(projects.notifyNewRequests, 'unassigned'), isNotNull(requests.assigneeId));
  const stale = db
    .select({ id: notifications.id })
    .from(notifications)
    .innerJoin(requests, eq(requests.id, notifications.requestId))
    .innerJoin(projects, eq(projects.id, requests.projectId))
    .where(and(eq(notifications.status, 'pending'), free(now), or(assignedMeanwhile, not(stillMember))));
  const skipped = await db.update(notifications).set({ status: 'skipped' }).where(inArray(notifications.id, stale)).returning({ id: notifications.id });
  return skipped.length;
}

/** Takes one person's waiting notifications for this worker alone; rows another worker holds are left to it. */
async function claimFor(db: Queryable, recipientId: string, now: Date) {
  const claimed = await db
    .update(notifications)
    .set({ claimedUntil: new Date(now.getTime() + SEND_CLAIM_MS) })
    .where(and(eq(notifications.recipientId, recipientId), eq(notifications.status, 'pending'), free(now)))
    .returning({ id: notifications.id });
  if (claimed.length === 0) return [];
  const actor = alias(users, 'actor');
  return db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      attempts: notifications.attempts,
      to: users.email,
      projectKey: projects.key,
      number: requests.number,
      summary: requests.summary,
      actorName: actor.name,
      channelAddress: mailboxes.emailAddress,
    })
    .from(notifications)
    .innerJoin(users, eq(users.id, notifications.recipientId))
    .innerJoin(requests, eq(requests.id, notifications.requestId))
    .innerJoin(projects, eq(projects.id, requests.projectId))
    .leftJoin(actor, eq(actor.id, notifications.actorId))
    .leftJoin(mailboxes, and(eq(mailboxes.projectId, requests.projectId), eq(mailboxes.kind, 'channel')))
    .where(
      inArray(
        notifications.id,
        claimed.map((row) => row.id),
      ),
    )
    .orderBy(asc(notifications.createdAt), asc(notifications.id));
}

/**
 * One run of agent notifications: each person's waiting notifications go out as one email
 * each, or as a single digest when more than a handful arrived since the last run. A failed send
 * lets go of its rows for the next run, up to MAX_NOTIFICATION_ATTEMPTS.
 */
export async function sendNotifications({ database, now }: { database: DatabaseHandle; now: Date }): Promise<NotificationReport> {
  const { db } = database;
  const report: NotificationReport = { emails: 0, notified: 0, skipped: 0, failed: 0, notificationsOff: false };
  if (!(await notificationsAreOn(db))) return { ...report, notificationsOff: true };
  report.skipped = await skipStale(db, now);
  const waiting = await db
    .selectDistinct({ recipientId: notifications.recipientId })
    .from(notifications)
    .where(and(eq(notifications.status, 'pending'), free(now)))
    .limit(RECIPIENTS_PER_RUN);
  const appUrl = getEnv().APP_URL;
  for (const { recipientId } of waiting) {
    for (const rows of planNotificationEmails(await claimFor(db, recipientId, now))) {
      const ids = rows.map((row) => row.id);
      const items = rows.map((row) => ({ kind: row.kind, requestKey: requestKey(row.projectKey, row.number), summary: row.summary, actorName: row.actorName }));
      // One notification can be answered by replying to it (see file-agent-answer.ts); a digest cannot: which request would it be?
      const [only] = rows.length === 1 ? rows : [];
      const answer = only?.channelAddress
        ? { replyTo: only.channelAddress, messageId: answerMessageId(only.id, now, only.channelAddress.split('@')[1]!) }
        : undefined;
      const result = await sendSystemEmail(database, notificationEmail({ to: rows[0]!.to, items, appUrl, answer }));
      if (result.outcome === 'sent') {
        const digestId = rows.length > 1 ? randomUUID() : null;
        await db.update(notifications).set({ status: 'sent', sentAt: now, digestId, claimedUntil: null }).where(inArray(notifications.id, ids));
        report.emails++;
        report.notified += rows.length;
        continue;
      }
      const problem = result.outcome === 'failed' ? result.problem : 'no outgoing mail server';
      await db
        .update(notifications)
        .set({
          attempts: sql`${notifications.attempts} + 1`,
          lastError: problem,
          claimedUntil: null,
          status: sql`case when ${notifications.attempts} + 1 >= ${MAX_NOTIFICATION_ATTEMPTS} then 'failed' else 'pending' end`,
        })
        .where(inArray(notifications.id, ids));
      report.failed += rows.length;
      log.warn('notification.send_failed', { recipientId, notifications: rows.length, problem });
    }
  }
  if (report.emails > 0) log.info('notification.sent', { emails: report.emails, notified: report.notified });
  return report;
}
