import type { Transaction } from '@/db/client';
import { attachments } from '@/db/schema';
import type { ParsedAttachment } from '@/lib/email/parsed-email';
import { chunkByWeight } from './poll-context';

/** Attachment bytes per INSERT; see STATEMENT_BYTES in store-inbound-message.ts. */
const ATTACHMENT_STATEMENT_BYTES = 2 * 1024 * 1024;

/** Files for a request and, when they came with a reply or an agent's comment, that comment. */
export type FiledAttachments = { requestId: string; commentId: string | null; files: ParsedAttachment[] }[];

/** Stores the attachments of one or many emails or comments in multi-row statements of bounded size. */
export async function storeAttachments(tx: Transaction, filed: FiledAttachments): Promise<void> {
  const rows = filed.flatMap(({ requestId, commentId, files }) => files.map((file) => ({ requestId, commentId, ...file })));
  for (const chunk of chunkByWeight(rows, (row) => row.size, ATTACHMENT_STATEMENT_BYTES)) await tx.insert(attachments).values(chunk);
}
