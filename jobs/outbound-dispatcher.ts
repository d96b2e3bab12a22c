import { log } from '@/lib/log';
import { dueOutboundMessages } from '@/lib/outbound/send-outbound-message';
import type { JobContext } from './job-definition';
import { outboundSendJob } from './outbound-send';

const DISPATCH_INTERVAL_MS = 2_000;

/**
 * Queues a send job for every email whose (next) attempt is due. Messages are written with
 * the comment they belong to, so a crash between commit and send loses nothing: the next
 * tick picks them up.
 */
export function startOutboundDispatcher(context: JobContext): { stop(): void } {
  let stopped = false;
  const tick = async () => {
    for (const outboundId of await dueOutboundMessages(context.database)) {
      await context.send(outboundSendJob.name, { outboundId }, { singletonKey: outboundId });
    }
  };
  const timer = setInterval(() => {
    if (!stopped) tick().catch((error: unknown) => log.warn('outbound.dispatch_failed', { error }));
  }, DISPATCH_INTERVAL_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
    },
  };
}
