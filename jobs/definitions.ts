import type { JobDefinition } from './job-definition';
import { heartbeatJob } from './heartbeat';

/** Every job the runner works. */
export const jobDefinitions: JobDefinition[] = [heartbeatJob];
