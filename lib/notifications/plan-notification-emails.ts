/** More waiting notifications than this for one person in one run go out as one digest. */
export const DIGEST_THRESHOLD = 5;

/**
 * Groups one person's waiting notifications into emails: one each, or — when more than the
 * threshold arrived since the last run (a burst, such as many requests at once) — a single digest.
 */
export function planNotificationEmails<Item>(waiting: Item[], threshold = DIGEST_THRESHOLD): Item[][] {
  if (waiting.length > threshold) return [waiting];
  return waiting.map((item) => [item]);
}
