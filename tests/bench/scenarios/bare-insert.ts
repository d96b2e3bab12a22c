import { createHash, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { chunkByWeight } from '@/lib/ingest/poll-context';
import { createTestDatabase } from '../../support/test-database';
import type { BenchMessage } from '../support/messages';

const BATCH = 500;
/** Bytes per statement, as Intake chunks them: one huge statement costs the driver and the server more than several. */
const STATEMENT_BYTES = 2 * 1024 * 1024;

/** Rows prepared before the clock starts: the figure is the database's alone. */
function rowsOf(messages: BenchMessage[], projectId: string, mailboxId: string) {
  return messages.map((message, index) => ({
    requestId: randomUUID(),
    request: { project_id: projectId, number: index + 1, summary: message.subject, description: message.text, mailbox_id: mailboxId },
    inbound: {
      mailbox_id: mailboxId,
      project_id: projectId,
      folder: 'INBOX',
      uid_validity: 1,
      uid: index + 1,
      message_id: message.messageId,
      content_hash: createHash('sha256').update(message.raw).digest('hex'),
      size: message.raw.length,
      raw: message.raw,
      from_address: `${message.from.name} <${message.from.address}>`,
      subject: message.subject,
      status: 'processed',
      outcome: `Request created BARE-${index + 1}`,
      server_action: 'done',
      processed_at: new Date(),
    },
    attachments: message.attachments.map((attachment) => ({
      filename: attachment.filename,
      content_type: attachment.contentType,
      size: attachment.content.length,
      content: attachment.content,
    })),
    from: message.from,
  }));
}

/**
 * The database limit: the rows Intake's ingestion leaves (customer, request, attachments,
 * stored message with its outcome) written straight into a fresh database with the same
 * schema, 500 messages per transaction in multi-row statements, no parsing, no Intake code.
 */
export async function bareInsert(messages: BenchMessage[]): Promise<{ seconds: number }> {
  const database = await createTestDatabase();
  const sql = postgres(database.url!, { max: 1, onnotice: () => {} });
  try {
    const [project] = await sql<{ id: string }[]>`insert into projects (key, name) values ('BARE', 'Bare') returning id`;
    const [mailbox] = await sql<
      { id: string }[]
    >`insert into mailboxes (kind, name, project_id, email_address, protocol, host, port, security, after_processing, auth_method, status)
      values ('channel', 'bare', ${project!.id}, 'bare@bench.test', 'imap', 'localhost', 993, 'tls', 'mark_read', 'oauth', 'active') returning id`;
    const rows = rowsOf(messages, project!.id, mailbox!.id);
    const started = performance.now();
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      await sql.begin(async (tx) => {
        const senders = [...new Map(batch.map((row) => [row.from.address, { email: row.from.address, name: row.from.name }])).values()];
        const customers = await tx<{ id: string; email: string }[]>`insert into customers ${tx(senders)}
          on conflict (email) do update set name = excluded.name returning id, email`;
        const customerIds = new Map(customers.map((customer) => [customer.email, customer.id]));
        await tx`insert into requests ${tx(batch.map((row) => ({ id: row.requestId, ...row.request, reporter_id: customerIds.get(row.from.address)! })))}`;
        const files = batch.flatMap((row) => row.attachments.map((attachment) => ({ request_id: row.requestId, ...attachment })));
        for (const chunk of chunkByWeight(files, (file) => file.size, STATEMENT_BYTES)) await tx`insert into attachments ${tx(chunk)}`;
        const inbound = batch.map((row) => ({ ...row.inbound, request_id: row.requestId }));
        for (const chunk of chunkByWeight(inbound, (row) => row.size, STATEMENT_BYTES)) await tx`insert into inbound_messages ${tx(chunk)}`;
      });
    }
    return { seconds: (performance.now() - started) / 1000 };
  } finally {
    await sql.end();
    await database.drop();
  }
}
