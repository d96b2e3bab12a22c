import type { BacklogFigures } from '../scenarios/backlog';
import type { LargeMailFigures } from '../scenarios/large-mail';
import type { LatencyFigures } from '../scenarios/latency';
import type { ManyMailboxFigures } from '../scenarios/many-mailboxes';
import type { ScaleoutFigures } from '../scenarios/scaleout';
import type { WebFigures } from '../scenarios/web';
import type { Row } from './report';

export interface Results {
  date: string;
  machine: Record<string, unknown>;
  sizes: Record<string, number>;
  imap?: BacklogFigures;
  pop3?: BacklogFigures;
  latency?: LatencyFigures;
  many?: ManyMailboxFigures;
  scaleout?: ScaleoutFigures;
  web?: WebFigures;
  large?: LargeMailFigures;
  durationSeconds?: number;
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

function backlogRows(name: string, figures: BacklogFigures, targets: boolean): Row[] {
  return [
    { scenario: name, metric: 'messages/s (median)', value: fixed(figures.msgsPerS), ...(targets ? { target: '≥ 1,000', met: figures.msgsPerS >= 1000 } : {}) },
    { scenario: name, metric: 'vs bare FETCH (network/server limit)', value: fixed(figures.vsFetch, 2) },
    {
      scenario: name,
      metric: 'vs bare INSERT (database limit)',
      value: fixed(figures.vsDatabase, 2),
      ...(targets ? { target: '≥ 0.5', met: figures.vsDatabase >= 0.5 } : {}),
    },
  ];
}

/** The table rows, with the targets where it sets one. */
export function resultRows(results: Results): Row[] {
  const { imap, pop3, latency, many, scaleout, web, large } = results;
  const rows: Row[] = [];
  if (imap) rows.push(...backlogRows(`Backlog IMAP, ${results.sizes.backlog} msgs`, imap, true));
  if (pop3) rows.push(...backlogRows(`Backlog POP3, ${results.sizes.backlog} msgs`, pop3, false));
  if (latency) {
    rows.push(
      { scenario: 'IDLE latency', metric: 'p50 ms', value: fixed(latency.idle.p50), target: '≤ 1,000', met: latency.idle.p50 <= 1000 },
      { scenario: 'IDLE latency', metric: 'p95 ms', value: fixed(latency.idle.p95) },
      { scenario: 'IDLE latency', metric: 'p99 ms', value: fixed(latency.idle.p99), target: '≤ 3,000', met: latency.idle.p99 <= 3000 },
      { scenario: 'Poll only, 60 s interval', metric: 'p50 ms (30 s + measured cycle)', value: fixed(latency.pollP50Ms) },
    );
  }
  if (many) {
    rows.push(
      { scenario: `${many.channels} IDLE channels, 1 worker`, metric: 'IMAP connections held', value: String(many.connections) },
      { scenario: `${many.channels} IDLE channels, 1 worker`, metric: 'worker RSS MB', value: fixed(many.rssMb), target: '< 400', met: many.rssMb < 400 },
      {
        scenario: `${many.channels} IDLE channels, 1 worker`,
        metric: 'idle CPU % of a core',
        value: fixed(many.idleCpuPct, 2),
        target: '< 5',
        met: many.idleCpuPct < 5,
      },
      { scenario: `${many.channels} IDLE channels, 1 worker`, metric: 's until each has its request', value: fixed(many.secondsToAll, 1) },
    );
  }
  if (scaleout) {
    const scenario = `Scale-out, ${scaleout.mailboxes} mailboxes × ${scaleout.messages / scaleout.mailboxes}`;
    rows.push(
      { scenario, metric: '1 worker messages/s', value: fixed(scaleout.oneWorkerMsgsPerS) },
      { scenario, metric: '2 workers messages/s', value: fixed(scaleout.twoWorkersMsgsPerS) },
      { scenario, metric: 'duplicates', value: String(scaleout.duplicates), target: '0', met: scaleout.duplicates === 0 },
    );
  }
  if (web) {
    const scenario = `Web, ${web.requests.toLocaleString('en')} requests`;
    rows.push(
      { scenario, metric: 'queue page p50 / p95 ms', value: `${fixed(web.queueP50Ms)} / ${fixed(web.queueP95Ms)}` },
      { scenario, metric: 'request page p50 / p95 ms', value: `${fixed(web.requestP50Ms)} / ${fixed(web.requestP95Ms)}` },
      { scenario, metric: 'browser sign-in → queue ms', value: web.browserSignInToQueueMs === null ? 'n/a' : fixed(web.browserSignInToQueueMs) },
    );
  }
  if (large) {
    const scenario = `Large mail, ${fixed(large.messageMb)} MB`;
    rows.push(
      { scenario, metric: 's to request', value: fixed(large.seconds, 1) },
      { scenario, metric: 'worker peak RSS increase MB', value: fixed(large.rssIncreaseMb), target: '< 150', met: large.rssIncreaseMb < 150 },
    );
  }
  return rows;
}
