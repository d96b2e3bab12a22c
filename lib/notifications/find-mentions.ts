/** A person who can be mentioned in an internal note. */
export interface Mentionable {
  id: string;
  email: string;
  name: string;
}

/** `@` at the start or after a character that cannot be part of an email address, so `ann@example.com` mentions nobody. */
const MENTION = /(?<![\p{L}\p{N}._%+-])@([\p{L}\p{N}._-]+)/gu;

const handleOf = (text: string) => text.toLowerCase().replace(/[.\-_]+$/u, '');

/**
 * The people an internal note mentions. `@handle` matches a person when the handle, ignoring
 * case and any trailing punctuation, is the part of their email address before the `@`
 * (`@ann.lee` for ann.lee@example.com) or their name without spaces (`@AnnLee` for Ann Lee).
 */
export function findMentions(body: string, people: Mentionable[]): string[] {
  const handles = new Set([...body.matchAll(MENTION)].map((match) => handleOf(match[1]!)));
  if (handles.size === 0) return [];
  return people
    .filter((person) => handles.has(person.email.split('@')[0]!.toLowerCase()) || handles.has(person.name.replace(/\s+/gu, '').toLowerCase()))
    .map((person) => person.id);
}
