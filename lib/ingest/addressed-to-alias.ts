import type { ImapFlow, SearchObject } from 'imapflow';
import { imapCommand } from '@/lib/mail/imap/open-imap';

/** Where an alias shows in a message delivered to it: the visible recipients, and what the delivering server added. */
const ALIAS_HEADERS = ['to', 'cc', 'delivered-to', 'x-original-to'] as const;

const ADDRESS = /[^\s<>,;:"'()[\]]+@[^\s<>,;:"'()[\]]+/g;

/** Whether a header block (folded or not, possibly with repeated fields) names the alias as a recipient. */
export function headersNameAlias(headerBlock: string, alias: string): boolean {
  const unfolded = headerBlock.replace(/\r?\n[ \t]+/g, ' ');
  return unfolded.split(/\r?\n/).some((line) => {
    const colon = line.indexOf(':');
    if (colon <= 0 || !(ALIAS_HEADERS as readonly string[]).includes(line.slice(0, colon).trim().toLowerCase())) return false;
    return (line.slice(colon + 1).match(ADDRESS) ?? []).some((address) => address.toLowerCase() === alias);
  });
}

/**
 * The UIDs among `uids` addressed to the alias. SEARCH narrows them on the server; since it
 * matches substrings (help@ inside sales-help@), the headers of what it found are checked
 * exactly, so one project's alias never files another's mail.
 */
export async function uidsAddressedToAlias(client: ImapFlow, uids: number[], alias: string): Promise<number[]> {
  if (uids.length === 0) return [];
  const range = `${uids[0]}:${uids.at(-1)}`;
  const criteria: SearchObject = {
    uid: range,
    or: [{ to: alias }, { cc: alias }, { header: { 'delivered-to': alias } }, { header: { 'x-original-to': alias } }],
  };
  const found = new Set((await imapCommand(client, client.search(criteria, { uid: true }), 'Searching mail to the alias')) || []);
  const candidates = uids.filter((uid) => found.has(uid));
  if (candidates.length === 0) return [];
  const fetched = await imapCommand(
    client,
    client.fetchAll(candidates.join(','), { uid: true, headers: [...ALIAS_HEADERS] }, { uid: true }),
    'Reading the recipients',
  );
  const addressed = new Set(fetched.filter((message) => message.headers && headersNameAlias(message.headers.toString('latin1'), alias)).map((m) => m.uid));
  return candidates.filter((uid) => addressed.has(uid));
}
