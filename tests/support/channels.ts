import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { completeOAuthCallback } from '@/lib/oauth/complete-oauth-callback';
import { saveMailbox, type SaveMailboxResult } from '@/lib/mailboxes/save-mailbox';
import type { StartedAuthorization } from '@/lib/oauth/start-authorization';
import type { Harness } from '../harness';
import { createHarnessIntegration } from './oauth-flow';

/** The form input of an IMAP-over-TLS channel on the harness's Dovecot. */
export function harnessChannelInput(harness: Harness, overrides: Record<string, unknown> = {}) {
  return {
    emailAddress: 'support@acme.test',
    protocol: 'imap',
    host: harness.host,
    port: harness.imap.tlsPort,
    security: 'tls',
    folder: 'INBOX',
    afterProcessing: 'mark_read',
    ...overrides,
  };
}

export function authorizationOf(result: SaveMailboxResult): StartedAuthorization {
  expect(result.outcome).toBe('authorize');
  return (result as Extract<SaveMailboxResult, { outcome: 'authorize' }>).authorization;
}

/** The admin signs in at the harness provider as `email`, and Intake's callback runs. */
export async function finishAuthorization(
  harness: Harness,
  database: DatabaseHandle,
  actor: Actor,
  started: StartedAuthorization,
  integration: { integrationId: string; redirectUri: string },
  email: string,
) {
  const callback = await harness.signInAt(started.url, integration.redirectUri, email);
  return completeOAuthCallback({
    database,
    actor,
    integrationId: integration.integrationId,
    callbackParameters: callback.searchParams,
    browserBindingFor: (id) => (id === started.authorizationId ? started.browserBinding : undefined),
  });
}

export interface ChannelOptions {
  email: string;
  protocol?: 'imap' | 'pop3';
  afterProcessing?: 'mark_read' | 'move' | 'delete' | 'keep';
  moveToFolder?: string;
  /** Use Dovecot's XOAUTH2-only instance, as with Microsoft. */
  xoauth2Only?: boolean;
  existingMail?: 'new_only' | 'unread' | 'since' | 'all';
  existingMailSince?: string;
}

/** A project's email channel authorized through the harness provider, ready to be polled. */
export async function connectOAuthChannel(harness: Harness, database: DatabaseHandle, admin: Actor, projectId: string, options: ChannelOptions) {
  const domain = options.email.split('@')[1]!;
  const integration = await createHarnessIntegration(database.db, admin, harness, { domains: [domain] });
  const protocol = options.protocol ?? 'imap';
  const ports = options.xoauth2Only ? harness.xoauth2Only : { imap: harness.imap, pop3: harness.pop3 };
  const started = authorizationOf(
    await saveMailbox({
      database,
      actor: admin,
      scope: { kind: 'channel', projectId },
      input: {
        emailAddress: options.email,
        authentication: integration.integrationId,
        protocol,
        host: harness.host,
        port: protocol === 'imap' ? ports.imap.tlsPort : ports.pop3.tlsPort,
        security: 'tls',
        folder: 'INBOX',
        afterProcessing: options.afterProcessing ?? (protocol === 'imap' ? 'mark_read' : 'delete'),
        moveToFolder: options.moveToFolder ?? '',
        existingMail: options.existingMail ?? 'new_only',
        existingMailSince: options.existingMailSince ?? '',
      },
      returnTo: '/x',
    }),
  );
  const result = await finishAuthorization(harness, database, admin, started, integration, options.email);
  expect(result.message).toMatch(/enabled/);
  const [mailbox] = await database.db.select().from(mailboxes).where(eq(mailboxes.emailAddress, options.email));
  return { mailbox: mailbox!, integration };
}
