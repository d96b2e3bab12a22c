import type { DatabaseHandle } from '@/db/client';
import type { MailServerSettings } from '@/lib/mail/mail-settings';
import type { MailboxRow } from '@/lib/mailboxes/mailbox-access';

/** What a protocol-specific fetch needs from the poll that runs it. */
export interface PollContext {
  database: DatabaseHandle;
  mailbox: MailboxRow;
  settings: MailServerSettings;
  maxMessageBytes: number;
  /** Before each message: yields to the event loop, then throws if the poll's lease is gone (another worker may be polling). */
  checkLease(): Promise<void>;
  /**
   * Turns stored messages into requests/comments; returns the ids now settled (processed or
   * ignored). `sources` are the bytes just stored, by id, so they need not be read back.
   */
  processStored(ids: string[], sources?: Map<string, Buffer>): Promise<string[]>;
}

export interface PollStats {
  fetched: number;
  /** New messages still on the server after this poll (e.g. when the lease ran out). */
  waiting: number;
}

/** Bytes of message source held in memory at once, while fetching and while filing. */
export const SOURCE_BATCH_BYTES = 16 * 1024 * 1024;

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

/** Why a message over the size limit was stored without its source. */
export function oversizedReason(size: number, maxMessageBytes: number): string {
  return `larger than ${megabytes(maxMessageBytes)} MB (${megabytes(size)} MB); not downloaded`;
}

/** Splits items into runs whose summed weight stays under a budget (at least one item each). */
export function chunkByWeight<T>(items: T[], weight: (item: T) => number, budget: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let total = 0;
  for (const item of items) {
    if (current.length > 0 && total + weight(item) > budget) {
      chunks.push(current);
      current = [];
      total = 0;
    }
    current.push(item);
    total += weight(item);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
