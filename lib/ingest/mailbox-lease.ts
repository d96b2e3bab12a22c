import { randomBytes } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import type { Queryable } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { log } from '@/lib/log';
import { describeFailure } from '@/lib/runtime/describe-failure';
import { retryWhileDatabaseDown } from '@/lib/runtime/retry-while-database-down';
import { claimIsFree } from '@/lib/system/job-runner-status';

/**
 * How long a poll's claim on a mailbox outlives its last renewal. This is how long the mailbox
 * of a worker that died mid-poll waits before another worker takes it over, so it is short,
 * and renewed often (every POLL_LEASE_RENEW_MS) so that no slow command or batch outlasts it.
 */
export const POLL_LEASE_MS = 30_000;
export const POLL_LEASE_RENEW_MS = 10_000;

const leaseUntil = () => sql`now() + ${`${POLL_LEASE_MS} milliseconds`}::interval`;

/** Thrown by `check()` when the poll must stop: its lease is gone, or its worker is stopping. */
export class PollStoppedError extends Error {}

/**
 * One poll's claim on a mailbox: only one poll at a time holds it, whatever pg-boss and the IDLE
 * listeners start. A worker that dies loses it within seconds, when its beats stop.
 */
export class MailboxLease {
  #lost: string | null = null;
  #confirmedAt = Date.now();
  readonly #timer: NodeJS.Timeout;

  private constructor(
    private readonly db: Queryable,
    readonly mailboxId: string,
    readonly owner: string,
    private readonly stopping: AbortSignal | undefined,
  ) {
    this.#timer = setInterval(() => void this.#renew(), POLL_LEASE_RENEW_MS);
    this.#timer.unref();
  }

  /**
   * Null when another poll holds the mailbox. The owner names the poll, not just the worker: two
   * polls of one worker (a queued job and an IDLE wake-up) must exclude each other too, or both
   * would work the same messages and the first to finish would release the other's lease.
   * `stopping` is the worker's shutdown: the poll then stops at its next check and releases the
   * lease, rather than leave it for the next worker to wait out.
   */
  static async acquire(db: Queryable, mailboxId: string, workerId: string, stopping?: AbortSignal): Promise<MailboxLease | null> {
    const owner = `${workerId}/${randomBytes(4).toString('hex')}`;
    const [claimed] = await db
      .update(mailboxes)
      .set({ leaseOwner: owner, leaseExpiresAt: leaseUntil() })
      .where(and(eq(mailboxes.id, mailboxId), claimIsFree(mailboxes.leaseOwner, mailboxes.leaseExpiresAt)))
      .returning({ id: mailboxes.id });
    return claimed ? new MailboxLease(db, mailboxId, owner, stopping) : null;
  }

  /**
   * Renewed on a timer rather than between batches, so a long FETCH or a large message cannot
   * outlast it. A renewal that finds the lease taken, or that cannot reach the database before
   * the lease would have run out, means another worker may be polling now: the poll must stop.
   */
  async #renew(): Promise<void> {
    if (this.#lost) return;
    const attemptedAt = Date.now();
    try {
      const [renewed] = await this.db
        .update(mailboxes)
        .set({ leaseExpiresAt: leaseUntil() })
        .where(and(eq(mailboxes.id, this.mailboxId), eq(mailboxes.leaseOwner, this.owner)))
        .returning({ id: mailboxes.id });
      if (renewed) this.#confirmedAt = attemptedAt;
      else this.#lose('another worker took the mailbox over');
    } catch (error) {
      if (Date.now() - this.#confirmedAt >= POLL_LEASE_MS) this.#lose(`the lease could not be renewed (${describeFailure(error)})`);
    }
  }

  #lose(reason: string): void {
    this.#lost = reason;
    clearInterval(this.#timer);
    log.warn('mailbox.lease_lost', { mailboxId: this.mailboxId, owner: this.owner, reason });
  }

  /**
   * Called before each message is stored or processed: throws once the lease is gone or the
   * worker is stopping. It first
   * yields to the event loop, because PGlite answers on this thread and a batch that only talks
   * to the database would otherwise never let timers run: not the renewal above, and in embedded
   * mode not the web server either.
   */
  async check(): Promise<void> {
    await setImmediate();
    if (!this.#lost && Date.now() - this.#confirmedAt >= POLL_LEASE_MS) this.#lose('no renewal went through before the lease ran out');
    if (this.#lost) throw new PollStoppedError(`The poll stopped: ${this.#lost}.`);
    if (this.stopping?.aborted) throw new PollStoppedError('The poll stopped: its worker is stopping.');
  }

  /**
   * Through a database restart too: a lease left behind holds the mailbox, for this worker as
   * for any other, until it runs out.
   */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    await retryWhileDatabaseDown(
      () =>
        this.db
          .update(mailboxes)
          .set({ leaseOwner: null, leaseExpiresAt: null })
          .where(and(eq(mailboxes.id, this.mailboxId), eq(mailboxes.leaseOwner, this.owner))),
      POLL_LEASE_MS,
    );
  }
}

/**
 * Clears every poll and IDLE lease. Only for the embedded database at start-up: PGlite lets one
 * process open the data folder, so any lease found then was left by a process that is gone
 * (killed, or crashed), and its mailboxes need not wait for the leases to run out.
 */
export async function releaseLeasesOfEndedProcesses(db: Queryable): Promise<number> {
  const released = await db
    .update(mailboxes)
    .set({ leaseOwner: null, leaseExpiresAt: null, idleOwner: null, idleLeaseExpiresAt: null })
    .where(or(isNotNull(mailboxes.leaseOwner), isNotNull(mailboxes.idleOwner)))
    .returning({ id: mailboxes.id });
  return released.length;
}
