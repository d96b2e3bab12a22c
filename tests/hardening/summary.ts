import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { figuresDir } from '../support/hardening-figures';

export interface HardeningSummary {
  corpus: { tried: number; passed: number };
  /** `sent`: emails that had to go out exactly once; `unsent` of them never did, `sentTwice` counts the extra copies. */
  faults: { delivered: number; lost: number; duplicated: number; sent: number; unsent: number; sentTwice: number };
  attacks: { tried: number; refused: number };
  providerLimits: { paced: number; throttled: number; attemptsWhilePaused: number };
}

function read(name: string): Record<string, number> {
  const file = path.join(figuresDir, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>) : {};
}

/** Sums the figures the hardening suites wrote and prints them as a table. */
export function writeHardeningSummary(): HardeningSummary {
  const corpus = read('corpus');
  const limits = read('provider-limits');
  const faults = read('faults');
  const attackFiles = existsSync(figuresDir) ? readdirSync(figuresDir).filter((file) => file.startsWith('attacks-')) : [];
  const attacks = attackFiles.map((file) => read(file.replace(/\.json$/, '')));
  const summary: HardeningSummary = {
    corpus: { tried: corpus.tried ?? 0, passed: corpus.passed ?? 0 },
    faults: {
      delivered: faults.delivered ?? 0,
      lost: faults.lost ?? 0,
      duplicated: faults.duplicated ?? 0,
      sent: faults.sent ?? 0,
      unsent: faults.unsent ?? 0,
      sentTwice: faults.sentTwice ?? 0,
    },
    attacks: {
      tried: attacks.reduce((sum, figures) => sum + (figures.tried ?? 0), 0),
      refused: attacks.reduce((sum, figures) => sum + (figures.refused ?? 0), 0),
    },
    providerLimits: { paced: limits.paced ?? 0, throttled: limits.throttled ?? 0, attemptsWhilePaused: limits.attemptsWhilePaused ?? 0 },
  };
  writeFileSync(path.join(process.cwd(), 'tests', 'hardening-summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('\n━━ Hardening ━━');
  console.log(`Hostile mail corpus   ${summary.corpus.passed} of ${summary.corpus.tried} cases ended as expected`);
  console.log(`Faults                ${summary.faults.delivered} messages delivered, ${summary.faults.lost} lost, ${summary.faults.duplicated} duplicated`);
  console.log(`                      ${summary.faults.sent} emails to send, ${summary.faults.unsent} never sent, ${summary.faults.sentTwice} sent twice`);
  console.log(`Attacks               ${summary.attacks.refused} of ${summary.attacks.tried} refused`);
  const { paced, throttled, attemptsWhilePaused } = summary.providerLimits;
  console.log(`Provider limits       ${paced} emails held to the pace, ${throttled} throttling answers, ${attemptsWhilePaused} attempts while paused`);
  return summary;
}
