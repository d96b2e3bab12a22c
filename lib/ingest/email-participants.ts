import type { EmailAddress, ParsedEmail } from '@/lib/email/parsed-email';

/** Most participants a request takes from one email's To and Cc. */
const MAX_PARTICIPANTS = 50;

/** The people an email copies besides its sender and Intake's own addresses: the request's participants. */
export function emailParticipants(email: ParsedEmail, ownAddresses: ReadonlySet<string>): EmailAddress[] {
  return [...email.to, ...email.cc]
    .filter((address) => !ownAddresses.has(address.address) && address.address !== email.from!.address)
    .slice(0, MAX_PARTICIPANTS);
}
