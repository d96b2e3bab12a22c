import { type SQL, sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, tsvector } from './custom-types';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Stored lower-cased so sign-in and uniqueness ignore case. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    isSystemAdmin: boolean('is_system_admin').notNull().default(false),
    active: boolean('active').notNull().default(true),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    /** Notification kinds the user chose not to be emailed about; every other kind is emailed. */
    mutedNotificationKinds: text('muted_notification_kinds', { enum: ['new_request', 'customer_reply', 'assigned', 'mentioned'] })
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('users_email_key').on(table.email)],
);

/**
 * Signed-in sessions. The session cookie names one; a cookie whose row is gone (signed out,
 * deactivated, password changed, unused for a whole session lifetime) no longer signs anyone in.
 */
export const userSessions = pgTable(
  'user_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    /** Renewed at most once a minute while the session is used. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('user_sessions_user_idx').on(table.userId)],
);

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** Last request number handed out; incremented in the transaction that creates a request, so keys have no gaps. */
    requestCounter: integer('request_counter').notNull().default(0),
    /** `open`: anyone can raise a request by email; `restricted`: only known customers. */
    emailAccess: text('email_access', { enum: ['open', 'restricted'] })
      .notNull()
      .default('open'),
    sendConfirmations: boolean('send_confirmations').notNull().default(true),
    /** Plain text below every reply to a customer; `{agent.name}` and `{project.name}` are filled in when it is sent. */
    replySignature: text('reply_signature').notNull().default(''),
    /** `all`: every new request notifies the project's people; `unassigned`: only one still unassigned when the email goes out. */
    notifyNewRequests: text('notify_new_requests', { enum: ['all', 'unassigned'] })
      .notNull()
      .default('all'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('projects_key_key').on(table.key), check('projects_key_format', sql`${table.key} ~ '^[A-Z]{2,10}$'`)],
);

export const projectRole = pgEnum('project_role', ['admin', 'agent']);

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: projectRole('role').notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.projectId, table.userId] }), index('project_members_user_idx').on(table.userId)],
);

/** One row per job-runner process, kept fresh by the heartbeat job. */
export const workers = pgTable('workers', {
  id: text('id').primaryKey(),
  hostname: text('hostname').notNull(),
  pid: integer('pid').notNull(),
  mode: text('mode', { enum: ['in-process', 'worker'] }).notNull(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  /** Written through the job queue: proves the queue is worked. */
  lastHeartbeatAt: timestamp('last_heartbeat_at', { withTimezone: true }),
  /** Written by the process itself every few seconds: proves it is alive, so its claims can be taken over soon after it dies. */
  aliveAt: timestamp('alive_at', { withTimezone: true }).notNull().defaultNow(),
  stoppedAt: timestamp('stopped_at', { withTimezone: true }),
});

/** Who did what, when. Never holds secret values. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (table) => [index('audit_log_at_idx').on(table.at)],
);

export const oauthProvider = pgEnum('oauth_provider', ['google', 'microsoft', 'custom']);

/** A registered OAuth 2.0 client at Google, Microsoft or a custom authorization server. */
export const oauthIntegrations = pgTable(
  'oauth_integrations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    provider: oauthProvider('provider').notNull(),
    authorizationEndpoint: text('authorization_endpoint').notNull(),
    tokenEndpoint: text('token_endpoint').notNull(),
    issuer: text('issuer'),
    userinfoEndpoint: text('userinfo_endpoint'),
    jwksUri: text('jwks_uri'),
    revocationEndpoint: text('revocation_endpoint'),
    clientId: text('client_id').notNull(),
    /** Sealed with the secret box (purpose `integration.client_secret`). */
    clientSecret: text('client_secret').notNull(),
    scopes: text('scopes').array().notNull(),
    mailboxDomains: text('mailbox_domains').array().notNull(),
    /** Mail hosts besides the provider's own that mailboxes of a Google or Microsoft integration may use. */
    otherMailHosts: text('other_mail_hosts').array().notNull().default(sql`'{}'::text[]`),
    /** Microsoft: the tenant ids (lower-case) whose accounts may authorize; empty allows any tenant. */
    allowedTenants: text('allowed_tenants').array().notNull().default(sql`'{}'::text[]`),
    lastTestedAt: timestamp('last_tested_at', { withTimezone: true }),
    lastTestOk: boolean('last_test_ok'),
    lastTestMessage: text('last_test_message'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('oauth_integrations_name_key').on(table.name)],
);

/** A stored OAuth 2.0 grant (a mailbox's, the outgoing mail server's): tokens sealed, and who authorized it. */
const oauthGrantColumns = () => ({
  accessToken: text('access_token'),
  accessTokenExpiresAt: timestamp('access_token_expires_at', { withTimezone: true }),
  refreshToken: text('refresh_token'),
  /** Bumped on every token change, so a refresh only stores over the tokens it started from. */
  tokenVersion: integer('token_version').notNull().default(0),
  authorizedEmail: text('authorized_email'),
  authorizedAt: timestamp('authorized_at', { withTimezone: true }),
});

export const mailboxKind = pgEnum('mailbox_kind', ['channel', 'server']);
export const mailProtocol = pgEnum('mail_protocol', ['imap', 'pop3']);
export const mailSecurity = pgEnum('mail_security', ['tls', 'starttls']);
export const mailAuthMethod = pgEnum('mail_auth_method', ['oauth', 'password']);
export const afterProcessing = pgEnum('after_processing', ['mark_read', 'move', 'delete', 'keep']);
/**
 * What becomes of the mail a mailbox already holds when it is connected: `new_only` files none
 * of it, the others import it (filed without confirmations or any other email).
 */
export const existingMailChoice = pgEnum('existing_mail_choice', ['new_only', 'unread', 'since', 'all']);
/** Whose mailbox the channel reads: its own, a Microsoft 365 shared mailbox, or the mailbox an alias is delivered into. */
export const mailboxAccess = pgEnum('mailbox_access', ['own', 'shared', 'alias']);
export const mailboxStatus = pgEnum('mailbox_status', ['active', 'needs_reauthorization', 'failing', 'disabled', 'paused_by_provider']);

/**
 * A mailbox Intake reads: a project's email channel, or a global incoming mail server whose
 * handler files mail into a project. Both share the connection and authorization model.
 */
export const mailboxes = pgTable(
  'mailboxes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: mailboxKind('kind').notNull(),
    name: text('name').notNull(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    /** Lower-cased; one channel or mail server per address. */
    emailAddress: text('email_address').notNull(),
    access: mailboxAccess('access').notNull().default('own'),
    /** With `alias`: the mailbox the alias is delivered into; it signs in, is read and sends (as the alias). */
    aliasMailbox: text('alias_mailbox'),
    /** With `alias`: only mail addressed to the alias (To, Cc, Delivered-To, X-Original-To) is filed. */
    onlyMailToAlias: boolean('only_mail_to_alias').notNull().default(false),
    protocol: mailProtocol('protocol').notNull(),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    security: mailSecurity('security').notNull(),
    folder: text('folder').notNull().default('INBOX'),
    afterProcessing: afterProcessing('after_processing').notNull(),
    moveToFolder: text('move_to_folder'),
    existingMail: existingMailChoice('existing_mail').notNull().default('new_only'),
    /** With `since`: mail received on or after this day is imported. */
    existingMailSince: timestamp('existing_mail_since', { withTimezone: true }),
    authMethod: mailAuthMethod('auth_method').notNull(),
    integrationId: uuid('integration_id').references(() => oauthIntegrations.id),
    username: text('username'),
    /** Sealed (purpose `mailbox.password`). */
    password: text('password'),
    /** Sealed (purposes `mailbox.access_token`, `mailbox.refresh_token`). */
    ...oauthGrantColumns(),
    /** Handler of an incoming mail server: what it may do in the target project. */
    createRequests: boolean('create_requests').notNull().default(true),
    addComments: boolean('add_comments').notNull().default(true),
    status: mailboxStatus('status').notNull().default('disabled'),
    statusMessage: text('status_message'),
    statusSince: timestamp('status_since', { withTimezone: true }).notNull().defaultNow(),
    lastCheckAt: timestamp('last_check_at', { withTimezone: true }),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    /** SMTP for replies; without a security setting it follows the port: 465 TLS, else STARTTLS. */
    smtpHost: text('smtp_host'),
    smtpPort: integer('smtp_port'),
    smtpSecurity: mailSecurity('smtp_security'),
    /** Emails sent at most per minute; null: the provider preset's pace (see PROVIDER_PRESETS). */
    sendLimitPerMinute: integer('send_limit_per_minute'),
    /** The provider throttled sending: nothing is sent through this mailbox before then. */
    sendingPausedUntil: timestamp('sending_paused_until', { withTimezone: true }),
    /** The provider's words when it throttled sending. */
    sendingPauseReason: text('sending_pause_reason'),
    /** Throttling answers in a row, each pause twice the last; reset by a send that goes through. */
    sendingThrottles: integer('sending_throttles').notNull().default(0),
    /** When the next poll is due; pushed back exponentially after failures. */
    nextPollAt: timestamp('next_poll_at', { withTimezone: true }).notNull().defaultNow(),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** The worker polling this mailbox right now; a lease that expires if the worker dies. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /** The worker holding this mailbox's IMAP IDLE connection. */
    idleOwner: text('idle_owner'),
    idleLeaseExpiresAt: timestamp('idle_lease_expires_at', { withTimezone: true }),
    lastPollAt: timestamp('last_poll_at', { withTimezone: true }),
    /** Messages on the server not yet fetched, as of the last poll. */
    messagesWaiting: integer('messages_waiting').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('mailboxes_email_address_key').on(table.emailAddress),
    index('mailboxes_next_poll_idx').on(table.nextPollAt),
    uniqueIndex('mailboxes_one_channel_per_project').on(table.projectId).where(sql`${table.kind} = 'channel'`),
    index('mailboxes_integration_idx').on(table.integrationId),
  ],
);

/** A pending three-legged authorization: one-time, bound to a user, a browser and an integration. */
export const oauthAuthorizations = pgTable(
  'oauth_authorizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** SHA-256 of the `state` sent to the provider; the state itself is never stored. */
    stateHash: text('state_hash').notNull(),
    /** SHA-256 of the HttpOnly cookie that ties the flow to the browser that started it. */
    browserBindingHash: text('browser_binding_hash').notNull(),
    integrationId: uuid('integration_id')
      .notNull()
      .references(() => oauthIntegrations.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Sealed PKCE verifier (purpose `oauth.code_verifier`). */
    codeVerifier: text('code_verifier').notNull(),
    nonce: text('nonce').notNull(),
    /** What the grant is for: a mailbox (channel or incoming mail server) or the system's outgoing mail server. */
    target: text('target', { enum: ['mailbox', 'outgoing_mail'] })
      .notNull()
      .default('mailbox'),
    /** The mailbox being re-authorized, or null when `draft` creates it. */
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'cascade' }),
    /** Settings of a mailbox that is saved only once authorization succeeds. */
    draft: jsonb('draft').$type<Record<string, unknown>>(),
    returnTo: text('return_to').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    /** How the callback ended, shown once on the page the flow returns to. */
    outcome: text('outcome', { enum: ['succeeded', 'rejected'] }),
    outcomeMessage: text('outcome_message'),
    /** The mailbox the flow created or re-authorized. */
    resultMailboxId: uuid('result_mailbox_id'),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('oauth_authorizations_state_key').on(table.stateHash)],
);

/**
 * Where an IMAP folder's reading stopped: UIDVALIDITY and the highest UID stored. Written when
 * the mailbox is connected, from what the folder held then, so that the channel's Existing mail
 * choice decides the mail that was there before. A POP3 mailbox has one row (folder INBOX,
 * UIDVALIDITY 0) for its import; the messages it held are in `mailbox_existing_uidls`.
 */
export const mailboxCursors = pgTable(
  'mailbox_cursors',
  {
    mailboxId: uuid('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    folder: text('folder').notNull(),
    uidValidity: bigint('uid_validity', { mode: 'bigint' }).notNull(),
    lastUid: bigint('last_uid', { mode: 'number' }).notNull().default(0),
    /** Messages the folder held when it was connected (null: connected before this was recorded). */
    existingMessages: integer('existing_messages'),
    /** IMAP: UIDs up to this one were in the folder before; those the filter picks are imported. Null: no import left. */
    importUntilUid: bigint('import_until_uid', { mode: 'number' }),
    importFilter: text('import_filter', { enum: ['unread', 'since', 'all'] }),
    importSince: timestamp('import_since', { withTimezone: true }),
    /** Messages the import files, once known (IMAP: counted on its first poll). */
    importTotal: integer('import_total'),
    importStartedAt: timestamp('import_started_at', { withTimezone: true }),
    importEndedAt: timestamp('import_ended_at', { withTimezone: true }),
    importCancelled: boolean('import_cancelled').notNull().default(false),
    updatedAt: updatedAt(),
  },
  (table) => [primaryKey({ columns: [table.mailboxId, table.folder] })],
);

/** The messages a POP3 mailbox held when it was connected: imported, or never filed (`import` false). */
export const mailboxExistingUidls = pgTable(
  'mailbox_existing_uidls',
  {
    mailboxId: uuid('mailbox_id')
      .notNull()
      .references(() => mailboxes.id, { onDelete: 'cascade' }),
    uidl: text('uidl').notNull(),
    import: boolean('import').notNull(),
  },
  (table) => [primaryKey({ columns: [table.mailboxId, table.uidl] })],
);

/** Someone who emails a project; created on first contact. */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('customers_email_key').on(table.email)],
);

/**
 * The name a customer goes by in one project, learnt from the first mail (or agent) that gave
 * one there. Per project, so a display name written to one company's desk never shows in
 * another's, nor can one sender's choice of name label a customer everywhere.
 */
export const customerNames = pgTable(
  'customer_names',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.projectId] })],
);

export const requestStatus = pgEnum('request_status', ['open', 'waiting', 'resolved']);

export const requests = pgTable(
  'requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    number: integer('number').notNull(),
    summary: text('summary').notNull(),
    description: text('description').notNull().default(''),
    /** Sanitized HTML of the original email, when it had any. */
    descriptionHtml: text('description_html'),
    status: requestStatus('status').notNull().default('open'),
    reporterId: uuid('reporter_id').references(() => customers.id),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    /** The mailbox replies go out through. */
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    createdById: uuid('created_by_id').references(() => users.id, { onDelete: 'set null' }),
    /** Filed from the mail a mailbox held when it was connected: no confirmation, not counted against the sender's rate limit. */
    imported: boolean('imported').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      (): SQL => sql`to_tsvector('simple', coalesce(${requests.summary}, '') || ' ' || left(coalesce(${requests.description}, ''), 100000))`,
    ),
  },
  (table) => [
    uniqueIndex('requests_project_number_key').on(table.projectId, table.number),
    index('requests_queue_created_idx').on(table.projectId, table.createdAt.desc(), table.id.desc()),
    index('requests_queue_activity_idx').on(table.projectId, table.lastActivityAt.desc(), table.id.desc()),
    index('requests_queue_status_idx').on(table.projectId, table.status, table.lastActivityAt.desc(), table.id.desc()),
    index('requests_assignee_idx').on(table.projectId, table.assigneeId, table.lastActivityAt.desc()),
    index('requests_reporter_idx').on(table.reporterId),
    index('requests_search_idx').using('gin', table.searchVector),
  ],
);

export const requestParticipants = pgTable(
  'request_participants',
  {
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.requestId, table.customerId] })],
);

export const inboundStatus = pgEnum('inbound_status', ['pending', 'processed', 'ignored', 'rejected', 'failed']);

/**
 * Every message Intake fetched, stored (raw bytes included) before the mail server is
 * changed in any way. The unique keys are what makes ingestion exactly-once.
 */
export const inboundMessages = pgTable(
  'inbound_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    folder: text('folder'),
    uidValidity: bigint('uid_validity', { mode: 'bigint' }),
    uid: bigint('uid', { mode: 'number' }),
    popUidl: text('pop_uidl'),
    messageId: text('message_id'),
    contentHash: text('content_hash').notNull(),
    size: integer('size').notNull(),
    /** Null when the message was too large to download. */
    raw: bytea('raw'),
    fromAddress: text('from_address'),
    subject: text('subject'),
    receivedAt: timestamp('received_at', { withTimezone: true }),
    /** Part of the mail the mailbox held when it was connected: filed without sending anything. */
    imported: boolean('imported').notNull().default(false),
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
    status: inboundStatus('status').notNull().default('pending'),
    /** What happened, in words for the Email log: "Request created", "Ignored: auto-reply", … */
    outcome: text('outcome'),
    requestId: uuid('request_id').references(() => requests.id, { onDelete: 'set null' }),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    /** The channel's After processing step on the server: pending until done after the commit. */
    serverAction: text('server_action', { enum: ['pending', 'done', 'none'] })
      .notNull()
      .default('pending'),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('inbound_messages_imap_key').on(table.mailboxId, table.folder, table.uidValidity, table.uid).where(sql`${table.uid} is not null`),
    uniqueIndex('inbound_messages_pop_key').on(table.mailboxId, table.popUidl).where(sql`${table.popUidl} is not null`),
    uniqueIndex('inbound_messages_content_key').on(table.mailboxId, sql`coalesce(${table.messageId}, '')`, table.contentHash),
    index('inbound_messages_log_idx').on(table.mailboxId, table.fetchedAt.desc()),
    index('inbound_messages_pending_idx').on(table.mailboxId, table.status, table.nextAttemptAt),
    index('inbound_messages_message_id_idx').on(table.projectId, table.messageId),
    // The request page looks up the email a request came from; without it, a scan of every stored message.
    index('inbound_messages_request_idx').on(table.requestId),
  ],
);

export const comments = pgTable(
  'comments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    /** `public`: the customer sees it (replies, customer emails); `internal`: agents only. */
    visibility: text('visibility', { enum: ['public', 'internal'] }).notNull(),
    authorCustomerId: uuid('author_customer_id').references(() => customers.id),
    authorUserId: uuid('author_user_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    /** The whole email text, quoted parts included, when `body` is the extracted reply. */
    fullBody: text('full_body'),
    bodyHtml: text('body_html'),
    inboundMessageId: uuid('inbound_message_id').references(() => inboundMessages.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [index('comments_request_idx').on(table.requestId, table.createdAt)],
);

export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    commentId: uuid('comment_id').references(() => comments.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    contentId: text('content_id'),
    inline: boolean('inline').notNull().default(false),
    content: bytea('content').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('attachments_request_idx').on(table.requestId)],
);

/** Status, assignee and participant changes on a request, for its history. */
export const requestEvents = pgTable(
  'request_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    actorUserId: uuid('actor_user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['status', 'assignee', 'participant_added', 'participant_removed', 'reopened_by_email'] }).notNull(),
    fromValue: text('from_value'),
    toValue: text('to_value'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('request_events_request_idx').on(table.requestId, table.at)],
);

/** Allow- and blocklists of sender domains or addresses: global (project null) or per project. */
export const senderRules = pgTable(
  'sender_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['allow', 'block'] }).notNull(),
    /** A lower-cased address (`a@b.com`) or domain (`b.com`). */
    pattern: text('pattern').notNull(),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('sender_rules_key').on(sql`coalesce(${table.projectId}, '00000000-0000-0000-0000-000000000000'::uuid)`, table.kind, table.pattern)],
);

/** Mail Intake sends (replies, confirmations), queued with the comment so a failed send is retried, never lost. */
export const outboundMessages = pgTable(
  'outbound_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    commentId: uuid('comment_id').references(() => comments.id, { onDelete: 'cascade' }),
    mailboxId: uuid('mailbox_id').references(() => mailboxes.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: ['reply', 'confirmation'] }).notNull(),
    messageId: text('message_id').notNull(),
    recipients: text('recipients').array().notNull(),
    subject: text('subject').notNull(),
    status: text('status', { enum: ['queued', 'sent', 'failed'] })
      .notNull()
      .default('queued'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** While a worker sends, others leave the message alone until then (a worker that dies lets go). */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** When the latest attempt started: a mailbox's attempts of the last minute are what its pace counts. */
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('outbound_messages_message_id_key').on(table.messageId),
    index('outbound_messages_queue_idx').on(table.status, table.nextAttemptAt),
    // The request page lists what was sent for a request.
    index('outbound_messages_request_idx').on(table.requestId),
    // Counting a channel's confirmations of the last hour.
    index('outbound_messages_mailbox_created_idx').on(table.mailboxId, table.createdAt),
    // Counting a mailbox's send attempts of the last minute.
    index('outbound_messages_mailbox_attempt_idx').on(table.mailboxId, table.lastAttemptAt),
  ],
);

/** Failed sign-ins per account and per client address, for throttling password guessing. */
export const signInThrottles = pgTable('sign_in_throttles', {
  /** `account:<email>` or `address:<ip>`. */
  key: text('key').primaryKey(),
  /** Attempts in the window not followed by a successful sign-in. */
  failures: integer('failures').notNull().default(0),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The installation's outgoing mail server, for everything that is not a reply to a customer
 * (admin alerts, notifications). At most one row: its id is always `system`.
 */
export const outgoingMailServer = pgTable(
  'outgoing_mail_server',
  {
    id: text('id').primaryKey().default('system'),
    host: text('host').notNull(),
    port: integer('port').notNull(),
    security: mailSecurity('security').notNull(),
    /** The account Intake signs in as; with OAuth 2.0, the one that must authorize. */
    username: text('username').notNull(),
    authMethod: mailAuthMethod('auth_method').notNull().default('password'),
    /** Sealed (purpose `outgoing_mail.password`); with `password` only. */
    password: text('password'),
    /** With `oauth`: the integration the grant below came from. */
    integrationId: uuid('integration_id').references(() => oauthIntegrations.id),
    /** Sealed (purposes `outgoing_mail.access_token`, `outgoing_mail.refresh_token`). */
    ...oauthGrantColumns(),
    /** `needs_reauthorization` once the provider refused the grant: nothing goes out until someone authorizes again. */
    status: text('status', { enum: ['active', 'needs_reauthorization'] })
      .notNull()
      .default('active'),
    statusMessage: text('status_message'),
    fromAddress: text('from_address').notNull(),
    updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
    updatedAt: updatedAt(),
  },
  (table) => [
    check('outgoing_mail_server_single_row', sql`${table.id} = 'system'`),
    check(
      'outgoing_mail_server_credential',
      sql`(${table.authMethod} = 'password' and ${table.password} is not null) or (${table.authMethod} = 'oauth' and ${table.integrationId} is not null)`,
    ),
  ],
);

/**
 * One row per problem admins were (or are to be) told about: a mailbox failing or needing
 * re-authorization, or a customer reply given up. Workers claim rows before sending, so an
 * alert, a reminder or a recovery note goes out once however many workers run.
 */
export const adminAlerts = pgTable(
  'admin_alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    subjectKind: text('subject_kind', { enum: ['mailbox', 'outbound_message'] }).notNull(),
    subjectId: uuid('subject_id').notNull(),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'cascade' }),
    reason: text('reason', { enum: ['failing', 'needs_reauthorization', 'reply_given_up'] }).notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    /** When the alert or its latest reminder went out; null until the first one. */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    notifications: integer('notifications').notNull().default(0),
    recoveredAt: timestamp('recovered_at', { withTimezone: true }),
    recoveryNotifiedAt: timestamp('recovery_notified_at', { withTimezone: true }),
    /** A worker sending for this row; others leave it alone until then (a worker that dies lets go). */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
  },
  (table) => [
    // One open alert per subject: concurrent workers opening the same one insert it once.
    uniqueIndex('admin_alerts_open_subject_key').on(table.subjectKind, table.subjectId).where(sql`${table.recoveredAt} is null`),
  ],
);

/**
 * One email-worthy event for one person: recorded with the change that caused it, sent by the
 * notifications job, alone or in a digest with others of the same run. The rows stay, so the
 * request page can show who was notified of what.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    recipientId: uuid('recipient_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['new_request', 'customer_reply', 'assigned', 'mentioned'] }).notNull(),
    /** Who caused it (assigned, mentioned); null for customers' mail. */
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** `skipped`: no longer worth sending when its turn came (a request assigned meanwhile). */
    status: text('status', { enum: ['pending', 'sent', 'skipped', 'failed'] })
      .notNull()
      .default('pending'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** Shared by the rows one digest email listed. */
    digestId: uuid('digest_id'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A worker sending this row; others leave it alone until then (a worker that dies lets go). */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** When its recipient answered it by email: a notification is answered once. */
    answeredAt: timestamp('answered_at', { withTimezone: true }),
  },
  (table) => [
    index('notifications_pending_idx').on(table.recipientId, table.createdAt).where(sql`${table.status} = 'pending'`),
    index('notifications_request_idx').on(table.requestId, table.createdAt),
  ],
);
