import type { Transaction } from '@/db/client';
import { attachments } from '@/db/schema';
import type { ParsedEmail } from '@/lib/email/parsed-email';
import { chunkByWeight } from './poll-context';

/** Attachment bytes per INSERT; see STATEMENT_BYTES in store-inbound-message.ts. */
const ATTACHMENT_STATEMENT_BYTES = 2 * 1024 * 1024;

/** Each email's attachments for the request (and the comment, for a reply) it became. */
export type FiledAttachments = { requestId: string; commentId: string | null; email: ParsedEmail }[];

/** Stores the attachments of one or many filed emails in multi-row statements of bounded size. */
export async function storeAttachments(tx: Transaction, filed: FiledAttachments): Promise<void> {
  const rows = filed.flatMap(({ requestId, commentId, email }) => email.attachments.map((file) => ({ requestId, commentId, ...file })));
  for (const chunk of chunkByWeight(rows, (row) => row.size, ATTACHMENT_STATEMENT_BYTES)) await tx.insert(attachments).values(chunk);
}
