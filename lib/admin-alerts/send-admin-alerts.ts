import { and, eq, exists, inArray, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { DatabaseHandle, Queryable } from '@/db/client';
import { adminAlerts, mailboxes, outboundMessages, projectMembers, projects, requests, users } from '@/db/schema';
import { getEnv } from '@/lib/env';
import { log } from '@/lib/log';
import { notificationsAreOn } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { sendSystemEmail } from '@/lib/outgoing-mail/send-system-email';
import { adminAlertEmail, type AlertStage, type AlertSubject } from './admin-alert-email';

/** At most one reminder a day while a problem lasts. */
export const REMINDER_INTERVAL_MS = 24 * 60 * 60_000;
/** While one worker sends an alert, others leave it alone this long (a worker that dies lets go). */
const SEND_CLAIM_MS = 5 * 60_000;
const BATCH = 50;

export interface AdminAlertReport {
  opened: number;
  recovered: number;
  sent: number;
  failed: number;
  /** No outgoing mail server: alerts wait, none is dropped. */
  notificationsOff: boolean;
}

type AlertRow = typeof adminAlerts.$inferSelect;

const at = (time: Date) => sql`${time.toISOString()}::timestamptz`;

/**
 * Opens an alert for every mailbox failing for longer than the grace period or needing
 * re-authorization, and for every reply given up. The partial unique index keeps one open alert
 * per subject however many workers insert it. A mailbox whose problem changes gets the new one
 * told at once.
 */
async function openAlerts(db: Queryable, now: Date, graceMinutes: number): Promise<number> {
  const cutoff = new Date(now.getTime() - graceMinutes * 60_000);
  const mailboxReason = sql`case when ${mailboxes.status} = 'needs_reauthorization' then 'needs_reauthorization' else 'failing' end`;
  const mailboxProblem = sql`(${mailboxes.status} = 'needs_reauthorization' or (${mailboxes.status} = 'failing' and ${mailboxes.statusSince} <= ${at(cutoff)}))`;
  const failingMailboxes = await db
    .select({ subjectId: mailboxes.id, projectId: mailboxes.projectId, reason: sql<'failing' | 'needs_reauthorization'>`${mailboxReason}` })
    .from(mailboxes)
    .where(mailboxProblem);
  const givenUpReplies = await db
    .select({ subjectId: outboundMessages.id, projectId: requests.projectId })
    .from(outboundMessages)
    .innerJoin(requests, eq(requests.id, outboundMessages.requestId))
    .where(and(eq(outboundMessages.status, 'failed'), eq(outboundMessages.kind, 'reply')));
  const candidates = [
    ...failingMailboxes.map((row) => ({ ...row, subjectKind: 'mailbox' as const, openedAt: now })),
    ...givenUpReplies.map((row) => ({ ...row, subjectKind: 'outbound_message' as const, reason: 'reply_given_up' as const, openedAt: now })),
  ];
  const opened = candidates.length > 0 ? await db.insert(adminAlerts).values(candidates).onConflictDoNothing().returning({ id: adminAlerts.id }) : [];
  await db.execute(sql`
    update ${adminAlerts} set reason = ${mailboxReason}, notified_at = null
    from ${mailboxes}
    where ${adminAlerts.subjectKind} = 'mailbox' and ${adminAlerts.subjectId} = ${mailboxes.id} and ${adminAlerts.recoveredAt} is null
      and ${mailboxProblem} and ${adminAlerts.reason} <> ${mailboxReason}`);
  return opened.length;
}

/**
 * Closes the alerts whose problem is over. One that was told gets a recovery note when its
 * subject works again; one never told, or whose mailbox was disabled or removed, closes quietly.
 * Rows a worker is sending for are left to it, so a note never overtakes its alert.
 */
async function closeAlerts(db: Queryable, now: Date): Promise<number> {
  const mailboxWorks = sql`exists (select 1 from ${mailboxes} where ${mailboxes.id} = ${adminAlerts.subjectId} and ${mailboxes.status} = 'active')`;
  const mailboxStillBroken = sql`exists (select 1 from ${mailboxes} where ${mailboxes.id} = ${adminAlerts.subjectId} and ${mailboxes.status} in ('failing', 'needs_reauthorization', 'paused_by_provider'))`;
  const replySent = sql`exists (select 1 from ${outboundMessages} where ${outboundMessages.id} = ${adminAlerts.subjectId} and ${outboundMessages.status} = 'sent')`;
  // Send again queues a given-up reply: it is not over until it went out.
  const replyStillPending = sql`exists (select 1 from ${outboundMessages} where ${outboundMessages.id} = ${adminAlerts.subjectId} and ${outboundMessages.status} in ('failed', 'queued'))`;
  const works = sql`case when ${adminAlerts.subjectKind} = 'mailbox' then ${mailboxWorks} else ${replySent} end`;
  const closed = await db
    .update(adminAlerts)
    .set({ recoveredAt: now, recoveryNotifiedAt: sql`case when ${works} and ${adminAlerts.notifiedAt} is not null then null else ${at(now)} end` })
    .where(
      and(
        isNull(adminAlerts.recoveredAt),
        or(isNull(adminAlerts.claimedUntil), lte(adminAlerts.claimedUntil, now)),
        sql`not (case when ${adminAlerts.subjectKind} = 'mailbox' then ${mailboxStillBroken} else ${replyStillPending} end)`,
      ),
    )
    .returning({ id: adminAlerts.id });
  return closed.length;
}

/** Alerts with an email due: the first one, a reminder a day later, or the recovery note. */
function dueForEmail(now: Date) {
  return and(
    or(isNull(adminAlerts.claimedUntil), lte(adminAlerts.claimedUntil, now)),
    or(
      and(isNull(adminAlerts.recoveredAt), or(isNull(adminAlerts.notifiedAt), lte(adminAlerts.notifiedAt, new Date(now.getTime() - REMINDER_INTERVAL_MS)))),
      and(isNotNull(adminAlerts.recoveredAt), isNotNull(adminAlerts.notifiedAt), isNull(adminAlerts.recoveryNotifiedAt)),
    ),
  );
}

/** Takes due alerts for this worker alone: rows another worker holds are skipped, never waited for. */
async function claimDueAlerts(db: Queryable, now: Date): Promise<AlertRow[]> {
  const due = dueForEmail(now);
  const candidates = db.select({ id: adminAlerts.id }).from(adminAlerts).where(due).limit(BATCH).for('update', { skipLocked: true });
  return db
    .update(adminAlerts)
    .set({ claimedUntil: new Date(now.getTime() + SEND_CLAIM_MS) })
    .where(and(inArray(adminAlerts.id, candidates), due))
    .returning();
}

async function subjectOf(db: Queryable, alert: AlertRow): Promise<AlertSubject | null> {
  if (alert.subjectKind === 'mailbox') {
    const [row] = await db
      .select({
        mailboxKind: mailboxes.kind,
        mailboxId: mailboxes.id,
        name: mailboxes.name,
        emailAddress: mailboxes.emailAddress,
        access: mailboxes.access,
        aliasMailbox: mailboxes.aliasMailbox,
        authorizedEmail: mailboxes.authorizedEmail,
        projectKey: projects.key,
        statusMessage: mailboxes.statusMessage,
        statusSince: mailboxes.statusSince,
      })
      .from(mailboxes)
      .innerJoin(projects, eq(projects.id, mailboxes.projectId))
      .where(eq(mailboxes.id, alert.subjectId));
    return row ? { kind: 'mailbox', ...row } : null;
  }
  const [row] = await db
    .select({
      projectKey: projects.key,
      requestNumber: requests.number,
      recipients: outboundMessages.recipients,
      subject: outboundMessages.subject,
      lastError: outboundMessages.lastError,
    })
    .from(outboundMessages)
    .innerJoin(requests, eq(requests.id, outboundMessages.requestId))
    .innerJoin(projects, eq(projects.id, requests.projectId))
    .where(eq(outboundMessages.id, alert.subjectId));
  return row ? { kind: 'outbound_message', ...row } : null;
}

/** The system admins and the project's admins: never agents, never customers. */
async function recipientsOf(db: Queryable, projectId: string | null): Promise<string[]> {
  const projectAdmin = projectId
    ? exists(
        db
          .select({ one: sql`1` })
          .from(projectMembers)
          .where(and(eq(projectMembers.userId, users.id), eq(projectMembers.projectId, projectId), eq(projectMembers.role, 'admin'))),
      )
    : sql`false`;
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.active, true), or(eq(users.isSystemAdmin, true), projectAdmin)))
    .orderBy(users.email);
  return rows.map((row) => row.email);
}

const stageOf = (alert: AlertRow): AlertStage => (alert.recoveredAt ? 'recovery' : alert.notifiedAt ? 'reminder' : 'alert');

/** Sends one claimed alert's email and records it; a failure lets go of the claim, so the next run tries again. */
async function sendClaimedAlert(database: DatabaseHandle, alert: AlertRow, now: Date): Promise<'sent' | 'failed'> {
  const { db } = database;
  const stage = stageOf(alert);
  const subject = await subjectOf(db, alert);
  const recorded =
    stage === 'recovery' ? { recoveryNotifiedAt: now, claimedUntil: null } : { notifiedAt: now, notifications: alert.notifications + 1, claimedUntil: null };
  if (!subject) {
    // Removed since: there is nothing left to tell anyone about.
    await db
      .update(adminAlerts)
      .set({ recoveredAt: alert.recoveredAt ?? now, recoveryNotifiedAt: now, claimedUntil: null })
      .where(eq(adminAlerts.id, alert.id));
    return 'sent';
  }
  const to = await recipientsOf(db, alert.projectId);
  const result = await sendSystemEmail(database, adminAlertEmail({ subject, reason: alert.reason, stage, to, appUrl: getEnv().APP_URL }));
  if (result.outcome !== 'sent') {
    await db.update(adminAlerts).set({ claimedUntil: null }).where(eq(adminAlerts.id, alert.id));
    log.warn('admin_alert.send_failed', { alertId: alert.id, stage, problem: result.outcome === 'failed' ? result.problem : 'no outgoing mail server' });
    return 'failed';
  }
  await db.update(adminAlerts).set(recorded).where(eq(adminAlerts.id, alert.id));
  log.info('admin_alert.sent', { alertId: alert.id, stage, reason: alert.reason, subjectKind: alert.subjectKind, recipients: to.length });
  return 'sent';
}

/**
 * One run of admin alerts: opens alerts for new problems, closes those that are over, and emails
 * what is due. `now` is the clock every decision uses, so a test can be a day later at once.
 * Without an outgoing mail server the alerts are kept, unsent, until one is set up.
 */
export async function sendAdminAlerts({
  database,
  now,
  graceMinutes,
}: {
  database: DatabaseHandle;
  now: Date;
  graceMinutes: number;
}): Promise<AdminAlertReport> {
  const { db } = database;
  const opened = await openAlerts(db, now, graceMinutes);
  const recovered = await closeAlerts(db, now);
  const report: AdminAlertReport = { opened, recovered, sent: 0, failed: 0, notificationsOff: false };
  if (!(await notificationsAreOn(db))) return { ...report, notificationsOff: true };
  // One batch a run: a failed send lets go of its row, which would otherwise be claimed again at once.
  for (const alert of await claimDueAlerts(db, now)) report[await sendClaimedAlert(database, alert, now)]++;
  return report;
}
