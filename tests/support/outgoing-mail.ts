import { expect } from 'vitest';
import { saveOutgoingMailServer } from '@/lib/outgoing-mail/save-outgoing-mail-server';
import type { IntegrationContext } from './integration-context';

/** Sets the harness's SMTP submission, signed in as `sender`, up as Intake's outgoing mail server. */
export async function useHarnessOutgoingMail(context: IntegrationContext, sender: { email: string; password: string }): Promise<void> {
  const { database, admin, harness } = context;
  const saved = await saveOutgoingMailServer({
    database,
    actor: admin,
    input: {
      host: harness.host,
      port: String(harness.smtp.tlsPort),
      security: 'tls',
      username: sender.email,
      password: sender.password,
      fromAddress: sender.email,
    },
  });
  expect(saved.outcome).toBe('saved');
}
