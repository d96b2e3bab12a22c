import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachments, inboundMessages, mailboxes, oauthIntegrations, requests } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { listAuditEntries } from '@/lib/audit/list-audit-entries';
import type { Actor } from '@/lib/auth/actor';
import { NotFoundError, PermissionDeniedError } from '@/lib/errors';
import { getInboundRaw } from '@/lib/ingest/get-inbound-raw';
import { listRequestNotifications } from '@/lib/notifications/list-request-notifications';
import { listEmailLog } from '@/lib/ingest/list-email-log';
import { retryInboundMessage } from '@/lib/ingest/retry-inbound-message';
import { addSenderRule, listSenderRules, removeSenderRule } from '@/lib/ingest/sender-rules';
import { cancelExistingMailImport } from '@/lib/mailboxes/existing-mail-import';
import { getOutgoingMailServer } from '@/lib/outgoing-mail/get-outgoing-mail-server';
import { reauthorizeOutgoingMail } from '@/lib/outgoing-mail/reauthorize-outgoing-mail';
import { saveOutgoingMailServer } from '@/lib/outgoing-mail/save-outgoing-mail-server';
import { sendTestEmail } from '@/lib/outgoing-mail/send-test-email';
import { reauthorizeMailbox } from '@/lib/mailboxes/reauthorize-mailbox';
import { removeMailbox } from '@/lib/mailboxes/remove-mailbox';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { setMailboxEnabled } from '@/lib/mailboxes/set-mailbox-enabled';
import { resendOutboundMessage } from '@/lib/outbound/resend-outbound-message';
import { testMailbox, testMailboxSettings } from '@/lib/mailboxes/test-mailbox';
import { deleteIntegration } from '@/lib/oauth/delete-integration';
import { getIntegration } from '@/lib/oauth/get-integration';
import { listIntegrations } from '@/lib/oauth/list-integrations';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { testIntegration } from '@/lib/oauth/test-integration';
import { createProject } from '@/lib/projects/create-project';
import { listProjectMembers } from '@/lib/projects/list-project-members';
import { removeProjectMember } from '@/lib/projects/remove-project-member';
import { setProjectMember } from '@/lib/projects/set-project-member';
import { updateEmailSettings } from '@/lib/projects/update-email-settings';
import { updateNotificationSettings } from '@/lib/projects/update-notification-settings';
import { updateProject } from '@/lib/projects/update-project';
import { addAgentComment } from '@/lib/requests/add-agent-comment';
import { createRequestByAgent } from '@/lib/requests/create-request-by-agent';
import { getAttachment } from '@/lib/requests/get-attachment';
import { getRequest } from '@/lib/requests/get-request';
import { insertRequest } from '@/lib/requests/insert-request';
import { listRequests } from '@/lib/requests/list-requests';
import { addParticipant, removeParticipant, updateRequest } from '@/lib/requests/update-request';
import { getJobRunnerStatus } from '@/lib/system/job-runner-status';
import { createUser } from '@/lib/users/create-user';
import { changeOwnPassword } from '@/lib/users/change-own-password';
import { getOwnProfile } from '@/lib/users/get-own-profile';
import { getUser } from '@/lib/users/get-user';
import { updateOwnProfile } from '@/lib/users/update-own-profile';
import { listUsers } from '@/lib/users/list-users';
import { updateUser } from '@/lib/users/update-user';
import { seedProject } from '../support/fixtures';
import { addFigures } from '../support/hardening-figures';
import { setupIntegration } from '../support/integration-context';

type Role = 'anonymous' | 'agent' | 'otherProjectAdmin' | 'projectAdmin' | 'systemAdmin';
const ROLES: Role[] = ['anonymous', 'agent', 'otherProjectAdmin', 'projectAdmin', 'systemAdmin'];
const SYSTEM: Role[] = ['systemAdmin'];
const PROJECT_ADMINS: Role[] = ['projectAdmin', 'systemAdmin'];
const PROJECT_PEOPLE: Role[] = ['agent', 'projectAdmin', 'systemAdmin'];
const SIGNED_IN: Role[] = ['agent', 'otherProjectAdmin', 'projectAdmin', 'systemAdmin'];

const context = setupIntegration();
const actors = {} as Record<Role, Actor | null>;
const ids = {} as {
  projectId: string;
  otherProjectId: string;
  requestId: string;
  requestKey: string;
  mailboxId: string;
  inboundId: string;
  attachmentId: string;
  integrationId: string;
  disposableIntegrationId: string;
  agentUserId: string;
};

beforeAll(async () => {
  const { db } = context.database;
  const a = await seedProject(db, context.admin, 'MA');
  const b = await seedProject(db, context.admin, 'MB');
  Object.assign(actors, { anonymous: null, agent: a.agent, otherProjectAdmin: b.lead, projectAdmin: a.lead, systemAdmin: context.admin });
  const integrationValues = {
    provider: 'custom' as const,
    authorizationEndpoint: 'https://127.0.0.1:1/a',
    tokenEndpoint: 'https://127.0.0.1:1/t',
    clientId: 'c',
    clientSecret: getSecretBox().seal('s', SECRET_PURPOSE.integrationClientSecret),
    scopes: ['openid'],
    mailboxDomains: ['acme.test'],
  };
  const [integration] = await db
    .insert(oauthIntegrations)
    .values({ name: 'Matrix', ...integrationValues })
    .returning();
  const [disposable] = await db
    .insert(oauthIntegrations)
    .values({ name: 'Matrix disposable', ...integrationValues })
    .returning();
  const [mailbox] = await db
    .insert(mailboxes)
    .values({
      kind: 'channel',
      name: 'MA channel',
      projectId: a.project.id,
      emailAddress: 'matrix@acme.test',
      protocol: 'imap',
      host: '127.0.0.1',
      port: 1,
      security: 'tls',
      afterProcessing: 'mark_read',
      authMethod: 'password',
      password: 'v1.x.y.z',
      status: 'disabled',
    })
    .returning();
  const created = await insertRequest(db, { projectId: a.project.id, summary: 'Matrix request', description: '', reporterId: null });
  const [inbound] = await db
    .insert(inboundMessages)
    .values({ mailboxId: mailbox!.id, projectId: a.project.id, contentHash: 'h', size: 3, raw: Buffer.from('x\r\n'), status: 'failed', requestId: created.id })
    .returning();
  const [attachment] = await db
    .insert(attachments)
    .values({ requestId: created.id, filename: 'a.txt', contentType: 'text/plain', size: 1, content: Buffer.from('a') })
    .returning();
  Object.assign(ids, {
    projectId: a.project.id,
    otherProjectId: b.project.id,
    requestId: created.id,
    requestKey: created.key,
    mailboxId: mailbox!.id,
    inboundId: inbound!.id,
    attachmentId: attachment!.id,
    integrationId: integration!.id,
    disposableIntegrationId: disposable!.id,
    agentUserId: a.agent.userId,
  });
});

/**
 * What each server action calls, with who may call it. The server actions are thin: they
 * parse the form and call one of these, which must refuse everyone else by itself.
 */
const MATRIX: { actions: string[]; allowed: Role[]; call: (actor: Actor | null) => Promise<unknown> }[] = [
  { actions: ['createUserAction'], allowed: SYSTEM, call: (actor) => createUser({ db: context.database.db, actor, input: {} }) },
  { actions: ['updateUserAction'], allowed: SYSTEM, call: (actor) => updateUser({ db: context.database.db, actor, input: {} }) },
  { actions: [], allowed: SYSTEM, call: (actor) => listUsers({ db: context.database.db, actor }) },
  { actions: [], allowed: SYSTEM, call: (actor) => getUser({ db: context.database.db, actor, userId: ids.agentUserId }) },
  { actions: ['createProjectAction'], allowed: SYSTEM, call: (actor) => createProject({ db: context.database.db, actor, input: {} }) },
  {
    actions: ['updateProjectAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => updateProject({ db: context.database.db, actor, input: { projectId: ids.projectId, name: '' } }),
  },
  {
    actions: ['setProjectMemberAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => setProjectMember({ db: context.database.db, actor, input: { projectId: ids.projectId, email: 'x', role: 'agent' } }),
  },
  {
    actions: ['removeProjectMemberAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => removeProjectMember({ db: context.database.db, actor, input: { projectId: ids.projectId, userId: crypto.randomUUID() } }),
  },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => listProjectMembers({ db: context.database.db, actor, projectId: ids.projectId }) },
  {
    actions: ['updateNotificationSettingsAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => updateNotificationSettings({ db: context.database.db, actor, input: { projectId: ids.projectId, notifyNewRequests: '' } }),
  },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => listRequestNotifications({ db: context.database.db, actor, requestId: ids.requestId }) },
  { actions: ['updateProfileAction'], allowed: SIGNED_IN, call: (actor) => updateOwnProfile({ db: context.database.db, actor, input: {} }) },
  {
    actions: ['changePasswordAction'],
    allowed: SIGNED_IN,
    call: (actor) => changeOwnPassword({ db: context.database.db, actor, sessionId: crypto.randomUUID(), address: '198.51.100.9', input: {} }),
  },
  { actions: [], allowed: SIGNED_IN, call: (actor) => getOwnProfile({ db: context.database.db, actor }) },
  {
    actions: ['updateEmailSettingsAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => updateEmailSettings({ db: context.database.db, actor, input: { projectId: ids.projectId, emailAccess: 'x', sendConfirmations: true } }),
  },
  {
    actions: ['createIntegrationAction', 'updateIntegrationAction'],
    allowed: SYSTEM,
    call: (actor) => saveIntegration({ db: context.database.db, actor, mode: 'create', input: {} }),
  },
  {
    actions: ['deleteIntegrationAction'],
    allowed: SYSTEM,
    call: (actor) => deleteIntegration({ db: context.database.db, actor, integrationId: ids.disposableIntegrationId }),
  },
  {
    actions: ['testIntegrationAction'],
    allowed: SYSTEM,
    call: (actor) => testIntegration({ db: context.database.db, actor, integrationId: ids.integrationId }),
  },
  { actions: [], allowed: SYSTEM, call: (actor) => getIntegration({ db: context.database.db, actor, integrationId: ids.integrationId }) },
  { actions: [], allowed: SYSTEM, call: (actor) => listIntegrations({ db: context.database.db, actor }) },
  {
    actions: ['saveMailboxAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => saveMailbox({ database: context.database, actor, scope: { kind: 'channel', projectId: ids.projectId }, input: {}, returnTo: '/x' }),
  },
  {
    actions: ['saveMailboxAction'],
    allowed: SYSTEM,
    call: (actor) => saveMailbox({ database: context.database, actor, scope: { kind: 'server' }, input: {}, returnTo: '/x' }),
  },
  {
    actions: ['saveMailboxAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => testMailboxSettings({ database: context.database, actor, scope: { kind: 'channel', projectId: ids.projectId }, input: {} }),
  },
  {
    actions: ['testStoredMailboxAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => testMailbox({ database: context.database, actor, mailboxId: ids.mailboxId }),
  },
  {
    actions: ['setMailboxEnabledAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => setMailboxEnabled({ database: context.database, actor, mailboxId: ids.mailboxId, enabled: false }),
  },
  { actions: ['outgoingMailAction'], allowed: SYSTEM, call: (actor) => saveOutgoingMailServer({ database: context.database, actor, input: {} }) },
  { actions: ['outgoingMailAction'], allowed: SYSTEM, call: (actor) => sendTestEmail({ database: context.database, actor, input: {} }) },
  { actions: [], allowed: SYSTEM, call: (actor) => getOutgoingMailServer({ db: context.database.db, actor }) },
  { actions: ['authorizeOutgoingMailAction'], allowed: SYSTEM, call: (actor) => reauthorizeOutgoingMail({ db: context.database.db, actor }) },
  {
    actions: ['cancelExistingMailImportAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => cancelExistingMailImport({ database: context.database, actor, mailboxId: ids.mailboxId }),
  },
  {
    actions: ['authorizeMailboxAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => reauthorizeMailbox({ db: context.database.db, actor, mailboxId: ids.mailboxId, returnTo: '/x' }),
  },
  {
    actions: ['retryInboundMessageAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => retryInboundMessage({ db: context.database.db, actor, input: { messageId: ids.inboundId } }),
  },
  { actions: [], allowed: PROJECT_ADMINS, call: (actor) => listEmailLog({ db: context.database.db, actor, mailboxId: ids.mailboxId }) },
  {
    actions: ['addSenderRuleAction'],
    allowed: PROJECT_ADMINS,
    call: (actor) => addSenderRule({ db: context.database.db, actor, input: { projectId: ids.projectId, kind: 'block', pattern: '' } }),
  },
  {
    actions: ['addSenderRuleAction'],
    allowed: SYSTEM,
    call: (actor) => addSenderRule({ db: context.database.db, actor, input: { projectId: '', kind: 'block', pattern: '' } }),
  },
  { actions: [], allowed: PROJECT_ADMINS, call: (actor) => listSenderRules({ db: context.database.db, actor, projectId: ids.projectId }) },
  {
    actions: ['createRequestAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => createRequestByAgent({ db: context.database.db, actor, input: { projectId: ids.projectId, summary: '' } }),
  },
  {
    actions: ['addCommentAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => addAgentComment({ db: context.database.db, actor, input: { requestId: ids.requestId, body: 'note', kind: 'internal' } }),
  },
  {
    actions: ['updateRequestAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => updateRequest({ db: context.database.db, actor, input: { requestId: ids.requestId, status: 'open' } }),
  },
  {
    actions: ['addParticipantAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => addParticipant({ db: context.database.db, actor, input: { requestId: ids.requestId, email: 'p@example.test' } }),
  },
  {
    actions: ['removeParticipantAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => removeParticipant({ db: context.database.db, actor, input: { requestId: ids.requestId, customerId: crypto.randomUUID() } }),
  },
  {
    actions: ['resendEmailAction'],
    allowed: PROJECT_PEOPLE,
    call: (actor) => resendOutboundMessage({ db: context.database.db, actor, input: { requestId: ids.requestId, outboundId: crypto.randomUUID() } }),
  },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => getRequest({ db: context.database.db, actor, key: ids.requestKey }) },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => listRequests({ db: context.database.db, actor, projectId: ids.projectId, query: {} }) },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => getAttachment({ db: context.database.db, actor, attachmentId: ids.attachmentId }) },
  { actions: [], allowed: PROJECT_PEOPLE, call: (actor) => getInboundRaw({ db: context.database.db, actor, messageId: ids.inboundId }) },
  { actions: [], allowed: SYSTEM, call: (actor) => listAuditEntries({ db: context.database.db, actor }) },
  { actions: [], allowed: SYSTEM, call: (actor) => getJobRunnerStatus({ db: context.database.db, actor }) },
];

/** Actions anyone may call: they authenticate the caller themselves or only end a session. */
const PUBLIC_ACTIONS = ['setupAction', 'signInAction', 'signOutAction'];
/** Removing a rule or a mailbox loads it first; covered by the same rows as adding and testing them. */
const COVERED_BY_LOOKUP = { removeSenderRuleAction: 'addSenderRuleAction', removeMailboxAction: 'setMailboxEnabledAction' };

function exportedActions(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    if (statSync(full).isDirectory()) return exportedActions(full);
    if (!/\.tsx?$/.test(entry)) return [];
    return [...readFileSync(full, 'utf8').matchAll(/export (?:const|async function) (\w+Action)\b/g)].map((match) => match[1]!);
  });
}

async function outcome(call: () => Promise<unknown>): Promise<'refused' | 'allowed'> {
  try {
    await call();
    return 'allowed';
  } catch (error) {
    return error instanceof PermissionDeniedError || error instanceof NotFoundError ? 'refused' : 'allowed';
  }
}

describe('authorization matrix', () => {
  it('covers every server action of the app', () => {
    const covered = new Set([...MATRIX.flatMap((row) => row.actions), ...PUBLIC_ACTIONS, ...Object.keys(COVERED_BY_LOOKUP)]);
    const missing = exportedActions(path.join(process.cwd(), 'app')).filter((action) => !covered.has(action));
    expect(missing).toEqual([]);
  });

  it('refuses every caller who may not, and lets through everyone who may', async () => {
    const table: string[] = [];
    for (const [index, row] of MATRIX.entries()) {
      for (const role of ROLES) {
        const expected = row.allowed.includes(role) ? 'allowed' : 'refused';
        const actual = await outcome(() => row.call(actors[role]));
        if (expected === 'refused') addFigures('attacks-matrix', { tried: 1, refused: actual === 'refused' ? 1 : 0 });
        if (actual !== expected) table.push(`row ${index} (${row.actions.join(', ') || 'read'}) as ${role}: expected ${expected}, got ${actual}`);
      }
    }
    expect(table).toEqual([]);
  });

  it('keeps the mailbox and request untouched by refused callers', async () => {
    const { db } = context.database;
    await outcome(() => removeMailbox({ db, actor: actors.otherProjectAdmin, mailboxId: ids.mailboxId }));
    await outcome(() => removeSenderRule({ db, actor: actors.agent, input: { ruleId: crypto.randomUUID() } }));
    expect(await db.select().from(mailboxes).where(eq(mailboxes.id, ids.mailboxId))).toHaveLength(1);
    expect(await db.select().from(requests).where(eq(requests.id, ids.requestId))).toHaveLength(1);
  });
});
