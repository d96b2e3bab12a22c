/**
 * An exponential backoff: `baseMs` doubled `doublings` times, never more than `maxMs`. The
 * exponent is bounded so that a long run of failures cannot overflow to Infinity.
 */
export function backoffDelayMs(baseMs: number, doublings: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.min(Math.max(doublings, 0), 30), maxMs);
}
