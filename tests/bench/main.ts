import { loadavg } from 'node:os';
import { startHarness } from '../harness';
import { createTestDatabase } from '../support/test-database';
import { runBacklog } from './scenarios/backlog';
import { runLargeMail } from './scenarios/large-mail';
import { runLatency } from './scenarios/latency';
import { runManyMailboxes } from './scenarios/many-mailboxes';
import { runScaleout } from './scenarios/scaleout';
import { runWeb } from './scenarios/web';
import { describeMachine } from './support/machine';
import { backlogMessages } from './support/messages';
import { formatTable, markdownTable, writeResults } from './support/report';
import { resultRows, type Results } from './support/results';
import { round } from './support/stats';

/** Sizes of a full run; BENCH_* variables shrink them while developing. */
const size = {
  backlog: Number(process.env.BENCH_BACKLOG ?? 10_000),
  runs: Number(process.env.BENCH_RUNS ?? 3),
  /** POP3 deletes what it files: each run needs its mailbox filled again, so one run by default. */
  pop3Runs: Number(process.env.BENCH_POP3_RUNS ?? 1),
  idleMessages: Number(process.env.BENCH_IDLE_MESSAGES ?? 200),
  channels: Number(process.env.BENCH_CHANNELS ?? 200),
  busyMailboxes: 20,
  perBusyMailbox: Number(process.env.BENCH_PER_BUSY_MAILBOX ?? 100),
  webRequests: Number(process.env.BENCH_WEB_REQUESTS ?? 100_000),
};
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const wanted = (scenario: string) => !only || only.has(scenario);

const started = performance.now();
const say = (line: string) => console.log(`[bench +${Math.round((performance.now() - started) / 1000)}s] ${line}`);

async function machine(): Promise<Record<string, unknown>> {
  const database = await createTestDatabase();
  try {
    return await describeMachine(database.handle);
  } finally {
    await database.drop();
  }
}

export async function main(): Promise<void> {
  const results: Results = { date: new Date().toISOString(), machine: await machine(), sizes: size };
  const harness = await startHarness();
  try {
    // First: a build of the app, when the sources changed, must not overlap a measurement.
    if (wanted('web')) results.web = await runWeb(size.webRequests, say);
    if (wanted('imap') || wanted('pop3')) {
      const messages = backlogMessages(size.backlog, 'backlog@bench.test', 'Backlog');
      say(`${size.backlog} backlog messages generated`);
      if (wanted('imap')) results.imap = await runBacklog(harness, 'imap', messages, size.runs, say);
      if (wanted('pop3')) results.pop3 = await runBacklog(harness, 'pop3', messages, size.pop3Runs, say);
    }
    if (wanted('latency')) results.latency = await runLatency(harness, size.idleMessages);
    if (wanted('many')) results.many = await runManyMailboxes(harness, size.channels, say);
    if (wanted('scaleout')) results.scaleout = await runScaleout(harness, size.busyMailboxes, size.perBusyMailbox);
    if (wanted('large')) results.large = await runLargeMail(harness);
  } finally {
    await harness.stop();
  }
  results.machine.load_average_1m_at_end = round(loadavg()[0]!, 2);
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  const rows = resultRows(results);
  console.log(`\n${formatTable(rows)}\n`);
  const file = await writeResults(toJson(results), markdownTable(rows));
  say(`results written to ${file}`);
  process.exit(0);
}

/** The figures under the keys the README and CI read, medians already taken. */
function toJson(results: Results): object {
  const { imap, pop3, latency, many, scaleout, web, large } = results;
  return {
    imap_msgs_per_s: imap && round(imap.msgsPerS),
    imap_vs_fetch_ratio: imap && round(imap.vsFetch, 2),
    imap_vs_db_ratio: imap && round(imap.vsDatabase, 2),
    pop3_msgs_per_s: pop3 && round(pop3.msgsPerS),
    pop3_vs_fetch_ratio: pop3 && round(pop3.vsFetch, 2),
    pop3_vs_db_ratio: pop3 && round(pop3.vsDatabase, 2),
    idle_latency_ms: latency && { p50: round(latency.idle.p50), p95: round(latency.idle.p95), p99: round(latency.idle.p99) },
    poll_latency_ms: latency && { p50: round(latency.pollP50Ms), poll_cycle_ms: round(latency.pollCycleMs), derived: 'interval / 2 + measured poll cycle' },
    many_mailboxes: many && {
      channels: many.channels,
      connections: many.connections,
      rss_mb: round(many.rssMb),
      idle_cpu_pct: round(many.idleCpuPct, 2),
      seconds_to_all: round(many.secondsToAll, 1),
    },
    scaleout: scaleout && {
      mailboxes: scaleout.mailboxes,
      messages: scaleout.messages,
      one_worker_msgs_per_s: round(scaleout.oneWorkerMsgsPerS),
      two_workers_msgs_per_s: round(scaleout.twoWorkersMsgsPerS),
      duplicates: scaleout.duplicates,
    },
    web: web && {
      requests: web.requests,
      queue_p50_ms: round(web.queueP50Ms, 1),
      queue_p95_ms: round(web.queueP95Ms, 1),
      request_p50_ms: round(web.requestP50Ms, 1),
      request_p95_ms: round(web.requestP95Ms, 1),
      browser_sign_in_to_queue_ms: web.browserSignInToQueueMs === null ? null : round(web.browserSignInToQueueMs),
    },
    large_mail: large && { message_mb: round(large.messageMb, 1), seconds: round(large.seconds, 2), rss_increase_mb: round(large.rssIncreaseMb) },
    runs: { imap: imap?.runs, pop3: pop3?.runs, idle_samples: latency?.idle.samples, app_start_seconds: web && round(web.appStartSeconds) },
    machine: results.machine,
    date: results.date,
    sizes: results.sizes,
    duration_s: results.durationSeconds,
  };
}
