/** What Intake knows about each kind of authorization server. */
export type ProviderKind = 'google' | 'microsoft' | 'custom';

export interface ProviderPreset {
  label: string;
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  issuer?: string;
  jwksUri?: string;
  userinfoEndpoint?: string;
  revocationEndpoint?: string;
  defaultScopes: string[];
  /** Extra authorization parameters; Google issues refresh tokens only with offline access. */
  authorizationParameters: Record<string, string>;
  /**
   * Instead of a login hint, when any of several accounts may sign in (the members of a shared
   * mailbox): the provider asks which, rather than reusing whoever is signed in already.
   */
  accountChoiceParameters: Record<string, string>;
  imap: { host: string; port: number } | null;
  pop3: { host: string; port: number } | null;
  /** Where replies are sent from: port 465 is implicit TLS, 587 STARTTLS. */
  smtp: { host: string; port: number } | null;
  /** How many emails a mailbox sends a minute unless its channel says otherwise: the provider's own limit, or a pace it tolerates. */
  sendLimitPerMinute: number;
  /** The only hosts its tokens are sent to, unless a system admin adds others; null: any host (a custom provider's own servers). */
  mailHosts: string[] | null;
}

export const PROVIDER_PRESETS: Record<ProviderKind, ProviderPreset> = {
  google: {
    label: 'Google',
    authorizationEndpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenEndpoint: 'https://oauth2.googleapis.com/token',
    issuer: 'https://accounts.google.com',
    jwksUri: 'https://www.googleapis.com/oauth2/v3/certs',
    userinfoEndpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
    revocationEndpoint: 'https://oauth2.googleapis.com/revoke',
    defaultScopes: ['https://mail.google.com/', 'openid', 'email'],
    authorizationParameters: { access_type: 'offline', prompt: 'consent' },
    accountChoiceParameters: { prompt: 'consent select_account' },
    imap: { host: 'imap.gmail.com', port: 993 },
    pop3: { host: 'pop.gmail.com', port: 995 },
    smtp: { host: 'smtp.gmail.com', port: 465 },
    // Gmail counts sending per day (2,000 for Workspace); a minute's pace only keeps bursts from tripping its rate checks.
    sendLimitPerMinute: 60,
    mailHosts: ['imap.gmail.com', 'pop.gmail.com', 'smtp.gmail.com'],
  },
  microsoft: {
    label: 'Microsoft',
    authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    // Multi-tenant: each ID token names its own tenant in `iss`.
    issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0',
    jwksUri: 'https://login.microsoftonline.com/common/discovery/v2.0/keys',
    defaultScopes: [
      'https://outlook.office.com/IMAP.AccessAsUser.All',
      'https://outlook.office.com/POP.AccessAsUser.All',
      'https://outlook.office.com/SMTP.Send',
      'offline_access',
      'openid',
      'email',
      // The sign-in name (`preferred_username`) comes only with `profile`.
      'profile',
    ],
    authorizationParameters: { prompt: 'consent' },
    // Microsoft takes one prompt value only.
    accountChoiceParameters: { prompt: 'select_account' },
    imap: { host: 'outlook.office365.com', port: 993 },
    pop3: { host: 'outlook.office365.com', port: 995 },
    smtp: { host: 'smtp.office365.com', port: 587 },
    // Exchange Online's limit per sending mailbox (and 10,000 recipients a day, which it enforces with 5.2.0 / 4.3.2).
    sendLimitPerMinute: 30,
    // Work accounts (Exchange Online) and personal Outlook.com accounts.
    mailHosts: ['outlook.office365.com', 'outlook.office.com', 'smtp.office365.com', 'imap-mail.outlook.com', 'pop-mail.outlook.com', 'smtp-mail.outlook.com'],
  },
  custom: {
    label: 'Custom',
    defaultScopes: ['openid', 'email', 'offline_access'],
    authorizationParameters: { prompt: 'consent' },
    // OpenID Connect has no account picker: asking to sign in again is the portable way.
    accountChoiceParameters: { prompt: 'login consent' },
    imap: null,
    pop3: null,
    smtp: null,
    sendLimitPerMinute: 60,
    mailHosts: null,
  },
};

/** The pace of a mailbox that signs in with a password: no provider to ask, so the same as a custom one's. */
export const PASSWORD_SEND_LIMIT_PER_MINUTE = PROVIDER_PRESETS.custom.sendLimitPerMinute;

export const PROVIDER_KINDS = Object.keys(PROVIDER_PRESETS) as ProviderKind[];
