import type { DatabaseHandle } from '@/db/client';
import { outgoingMailServer } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import { type Actor, requireSystemAdmin } from '@/lib/auth/actor';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { parseInput } from '@/lib/validation';
import { outgoingMailSettingsSchema } from './outgoing-mail-schema';
import { connectionOf, loadOutgoingMailServer, passwordFor } from './outgoing-mail-server';
import { checkOutgoingMail, type OutgoingMailTestResult } from './send-test-email';

export type SaveOutgoingMailResult = { outcome: 'saved'; test: OutgoingMailTestResult } | { outcome: 'sign_in_failed'; test: OutgoingMailTestResult };

/**
 * Saves the outgoing mail server once Intake could sign in with it, so a stored server is one
 * that worked: alerts are not left to fail at night on a typo.
 */
export async function saveOutgoingMailServer({
  database,
  actor,
  input,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  input: unknown;
}): Promise<SaveOutgoingMailResult> {
  requireSystemAdmin(actor);
  const settings = parseInput(outgoingMailSettingsSchema, input);
  const stored = await loadOutgoingMailServer(database.db);
  const { password } = passwordFor(stored, settings);
  const test = await checkOutgoingMail(connectionOf(settings, password), null);
  if (!test.ok) return { outcome: 'sign_in_failed', test };
  const columns = {
    host: settings.host,
    port: settings.port,
    security: settings.security,
    username: settings.username,
    password: getSecretBox().seal(password, SECRET_PURPOSE.outgoingMailPassword),
    fromAddress: settings.fromAddress,
    updatedBy: actor.userId,
    updatedAt: new Date(),
  };
  await database.db.transaction(async (tx) => {
    await tx
      .insert(outgoingMailServer)
      .values({ id: 'system', ...columns })
      .onConflictDoUpdate({ target: outgoingMailServer.id, set: columns });
    await recordAudit(tx, {
      actor,
      action: stored ? 'outgoing_mail.update' : 'outgoing_mail.create',
      targetType: 'outgoing_mail_server',
      targetId: 'system',
      details: { host: settings.host, port: settings.port, security: settings.security, username: settings.username, fromAddress: settings.fromAddress },
    });
  });
  return { outcome: 'saved', test };
}
