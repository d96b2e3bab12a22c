import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { type mailboxes, oauthIntegrations } from '@/db/schema';
import type { SmtpEndpoint } from '@/lib/mail/smtp/smtp-transport';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';

const securityOfPort = (port: number) => (port === 465 ? 'tls' : 'starttls');

/** What decides the SMTP server: a stored mailbox's columns, or typed settings in their shape. */
export type SmtpFields = Pick<typeof mailboxes.$inferSelect, 'host' | 'smtpHost' | 'smtpPort' | 'smtpSecurity' | 'integrationId'>;

/** The SMTP server replies go out through: the mailbox's own setting, else its provider's, else its IMAP/POP3 host on 465. */
export async function smtpEndpointOf(database: DatabaseHandle, mailbox: SmtpFields): Promise<SmtpEndpoint> {
  if (mailbox.smtpHost || mailbox.smtpPort) {
    const port = mailbox.smtpPort ?? 465;
    return { host: mailbox.smtpHost ?? mailbox.host, port, security: mailbox.smtpSecurity ?? securityOfPort(port) };
  }
  if (mailbox.integrationId) {
    const [integration] = await database.db
      .select({ provider: oauthIntegrations.provider })
      .from(oauthIntegrations)
      .where(eq(oauthIntegrations.id, mailbox.integrationId));
    const preset = integration ? PROVIDER_PRESETS[integration.provider].smtp : null;
    if (preset) return { ...preset, security: securityOfPort(preset.port) };
  }
  return { host: mailbox.host, port: 465, security: mailbox.smtpSecurity ?? 'tls' };
}
