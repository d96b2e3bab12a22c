// A process whose runtime takes a second to stop, as one with polls and IDLE connections to
// close does: for the signal-handling test, which must signal again while the stop is under way.
import { shutdownOnSignals } from '@/lib/runtime/boot';

shutdownOnSignals({
  database: null as never,
  runner: null,
  async shutdown() {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    console.log('@@stopped');
  },
});
console.log('@@ready');
setInterval(() => {}, 60_000);
