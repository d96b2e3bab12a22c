import { eq } from 'drizzle-orm';
import type { ImapFlow } from 'imapflow';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { log } from '@/lib/log';
import { imapCommand, openImap } from '@/lib/mail/imap/open-imap';
import { MailConnectionError } from '@/lib/mail/mail-error';
import { storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';
import { isListenStatus } from '@/lib/mailboxes/mailbox-status';
import { backoffDelayMs } from '@/lib/runtime/backoff-delay';

/**
 * How often the IDLE connection is checked with a NOOP (and IDLE re-issued), and how long the
 * NOOP may take: a socket that died silently (no FIN, as behind a NAT that forgot it) is
 * noticed within their sum.
 */
export interface IdleTiming {
  checkIntervalMs: number;
  noopTimeoutMs: number;
}

const DEFAULT_IDLE_TIMING: IdleTiming = { checkIntervalMs: 60_000, noopTimeoutMs: 20_000 };

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Holds one IMAP IDLE connection for a mailbox and calls `onNewMail` as soon as the server
 * announces a message. Reconnects with backoff; the regular polls keep working meanwhile.
 */
export class IdleListener {
  readonly #stop = new AbortController();
  #client: ImapFlow | null = null;
  #done: Promise<void>;

  constructor(
    private readonly database: DatabaseHandle,
    readonly mailboxId: string,
    private readonly onNewMail: () => void,
    private readonly timing: IdleTiming = DEFAULT_IDLE_TIMING,
  ) {
    this.#done = this.#run();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#client?.close();
    await this.#done;
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        const [mailbox] = await this.database.db.select().from(mailboxes).where(eq(mailboxes.id, this.mailboxId));
        if (mailbox?.protocol !== 'imap' || !isListenStatus(mailbox.status)) return;
        const client = await openImap(await storedMailServerSettings(this.database, mailbox));
        this.#client = client;
        await imapCommand(client, client.mailboxOpen(mailbox.folder, { readOnly: true }), 'Opening the folder');
        client.on('exists', () => this.onNewMail());
        // Mail that arrived while this listener was away.
        this.onNewMail();
        failures = 0;
        while (!this.#stop.signal.aborted && client.usable) {
          const idling = client.idle().catch(() => {});
          await Promise.race([idling, pause(this.timing.checkIntervalMs, this.#stop.signal)]);
          if (this.#stop.signal.aborted) break;
          await imapCommand(client, client.noop(), 'Checking the IDLE connection', this.timing.noopTimeoutMs);
        }
      } catch (error) {
        failures++;
        // A refused login is the poll's to judge: it refreshes the token and, if the grant is gone,
        // asks for re-authorization; a throttled one, the poll pauses the mailbox for (and this
        // listener ends with it). Backing off alone would leave that to the next regular poll.
        if (failures === 1 && error instanceof MailConnectionError && (error.kind === 'auth' || error.kind === 'throttled')) this.onNewMail();
        log.debug('idle.reconnect', { mailboxId: this.mailboxId, failures, problem: (error as Error).message });
      } finally {
        this.#client?.close();
        this.#client = null;
      }
      if (!this.#stop.signal.aborted) await pause(backoffDelayMs(1000, failures, 60_000), this.#stop.signal);
    }
  }
}
