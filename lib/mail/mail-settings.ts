import { getEnv } from '@/lib/env';

/** How to reach and log in to a mailbox; the same for project channels and incoming mail servers. */
export interface MailServerSettings {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (993/995); `starttls`: upgrade required (143/110). */
  security: 'tls' | 'starttls';
  username: string;
  credential: { kind: 'password'; password: string } | { kind: 'oauth'; accessToken: string };
  /** IMAP folder to read; POP3 has only the inbox. */
  folder: string;
}

/** Bounds for every network step, so nothing waits forever. */
export const MAIL_TIMEOUTS = {
  connectMs: 15_000,
  greetingMs: 15_000,
  /** Inactivity on an open connection (IDLE is restarted well within it). */
  socketMs: 5 * 60_000,
  commandMs: 60_000,
} as const;

/**
 * The largest IMAP literal a connection accepts: a message Intake would store plus room for one
 * more byte of a partial fetch, so a server cannot make it buffer more by lying about sizes.
 */
export function maxLiteralBytes(): number {
  return getEnv().INTAKE_MAX_MESSAGE_BYTES + 64 * 1024;
}
