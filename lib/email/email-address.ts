import { addressParser } from 'postal-mime';
import { normalizeEmailAddress } from '@/lib/oauth/mailbox-domains';
import type { EmailAddress } from './parsed-email';
import { hasControlCharacters, stripBidiControls, toSingleLine, truncate } from './unsafe-characters';

const ENCODED_WORD = /=\?[^?\s]*\?[bq]\?[^?\s]*\?=/gi;
const NAME_SEPARATORS = /[\s<>()"'[\],;:]+/;
/** A recipient list this long is an attack, not a conversation; the rest is ignored. */
const MAX_RECIPIENTS = 500;

const domainOf = (address: string) => address.slice(address.indexOf('@') + 1);

const cleanName = (name: string) => truncate(stripBidiControls(toSingleLine(name)), 200);

/**
 * A display name such as `support@bank.test` over `<x@attacker.test>` is the oldest way
 * to pass for someone else: an address-like word in the name must share the real domain.
 */
function namesAnotherDomain(name: string, address: string): boolean {
  return name.split(NAME_SEPARATORS).some((word) => {
    const at = word.indexOf('@');
    if (at <= 0 || at === word.length - 1) return false;
    const named = normalizeEmailAddress(word);
    return named === null || domainOf(named) !== domainOf(address);
  });
}

/**
 * The sender, or null unless the From header names exactly one plausible mailbox. The
 * Mailsploit family hides NUL bytes, second addresses and whole `<address>`es in
 * encoded words, which parsers decode into a sender the raw header never names; so the
 * address must stand in the header outside any encoded word.
 */
export function readSender(fromHeaders: readonly string[]): EmailAddress | null {
  const [header, ...others] = fromHeaders;
  if (header === undefined || others.length > 0 || hasControlCharacters(header)) return null;
  const mailboxes = addressParser(header);
  const [mailbox, ...more] = mailboxes;
  if (!mailbox || more.length > 0 || mailbox.group || !mailbox.address) return null;
  const written = header.replace(ENCODED_WORD, ' ').toLowerCase();
  if (!written.includes(mailbox.address.toLowerCase())) return null;
  const address = normalizeEmailAddress(mailbox.address);
  if (!address || hasControlCharacters(mailbox.name)) return null;
  const name = cleanName(mailbox.name);
  return namesAnotherDomain(name, address) ? null : { address, name };
}

/** Every valid mailbox of To, Cc or Reply-To headers, groups flattened, duplicates dropped. */
export function readMailboxes(headers: readonly string[]): EmailAddress[] {
  const found = new Map<string, EmailAddress>();
  for (const header of headers) {
    for (const mailbox of addressParser(header, { flatten: true })) {
      const address = mailbox.address ? normalizeEmailAddress(mailbox.address) : null;
      if (address && !found.has(address)) found.set(address, { address, name: cleanName(mailbox.name) });
      if (found.size === MAX_RECIPIENTS) return [...found.values()];
    }
  }
  return [...found.values()];
}
