import { eq } from 'drizzle-orm';
import type { ImapFlow } from 'imapflow';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { log } from '@/lib/log';
import { imapCommand, openImap } from '@/lib/mail/imap/open-imap';
import { storedMailServerSettings } from '@/lib/mailboxes/mailbox-connection';

/** How often the IDLE connection is checked with a NOOP (and IDLE re-issued): a dead socket is noticed within this plus the command timeout. */
export const IDLE_CHECK_MS = 60_000;
const NOOP_TIMEOUT_MS = 20_000;

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
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
        if (!mailbox || mailbox.protocol !== 'imap' || (mailbox.status !== 'active' && mailbox.status !== 'failing')) return;
        const client = await openImap(await storedMailServerSettings(this.database, mailbox));
        this.#client = client;
        await imapCommand(client, client.mailboxOpen(mailbox.folder, { readOnly: true }), 'Opening the folder');
        client.on('exists', () => this.onNewMail());
        // Mail that arrived while this listener was away.
        this.onNewMail();
        failures = 0;
        while (!this.#stop.signal.aborted && client.usable) {
          const idling = client.idle().catch(() => {});
          await Promise.race([idling, pause(IDLE_CHECK_MS, this.#stop.signal)]);
          if (this.#stop.signal.aborted) break;
          await imapCommand(client, client.noop(), 'Checking the IDLE connection', NOOP_TIMEOUT_MS);
        }
      } catch (error) {
        failures++;
        log.debug('idle.reconnect', { mailboxId: this.mailboxId, failures, problem: (error as Error).message });
      } finally {
        this.#client?.close();
        this.#client = null;
      }
      if (!this.#stop.signal.aborted) await pause(Math.min(1000 * 2 ** failures, 60_000), this.#stop.signal);
    }
  }
}
