import type PgBoss from 'pg-boss';
import type { z } from 'zod';
import type { DatabaseHandle } from '@/db/client';

export interface JobContext {
  database: DatabaseHandle;
  /** Enqueues follow-up jobs. */
  send(name: string, data: object, options?: PgBoss.SendOptions): Promise<string | null>;
  workerId: string;
  /** Aborted when the runner stops: long jobs end early, leaving their work for another worker. */
  stopping: AbortSignal;
}

/** A job's name, payload shape and queue policy, kept beside the handler that runs it. */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType> {
  name: string;
  data: Schema;
  queue?: Omit<PgBoss.Queue, 'name'>;
  /** Parallel fetch loops in each runner process. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
  handle(context: JobContext, data: z.output<Schema>): Promise<void>;
}

export function defineJob<Schema extends z.ZodType>(definition: JobDefinition<Schema>): JobDefinition<Schema> {
  return definition;
}
