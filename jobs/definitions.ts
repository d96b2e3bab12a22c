import { adminAlertsJob } from './admin-alerts';
import { agentNotificationsJob } from './agent-notifications';
import type { JobDefinition } from './job-definition';
import { heartbeatJob } from './heartbeat';
import { mailboxPollJob } from './mailbox-poll';
import { outboundSendJob } from './outbound-send';

/** Every job the runner works. */
export const jobDefinitions: JobDefinition[] = [heartbeatJob, mailboxPollJob, outboundSendJob, adminAlertsJob, agentNotificationsJob];
