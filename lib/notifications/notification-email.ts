import type { SystemEmail } from '@/lib/outgoing-mail/send-system-email';
import type { NotificationKind } from './notification-kind';

/** One notification as its email tells it. */
export interface NotificationItem {
  kind: NotificationKind;
  requestKey: string;
  summary: string;
  /** Who assigned or mentioned. */
  actorName: string | null;
}

/** The kind in words, as the Profile page and the request page show it. */
export const NOTIFICATION_KIND_LABEL: Record<NotificationKind, string> = {
  new_request: 'New request',
  customer_reply: 'Customer reply',
  assigned: 'Assigned to you',
  mentioned: 'Mentioned in an internal note',
};

function headline(item: NotificationItem): string {
  const someone = item.actorName ?? 'Someone';
  switch (item.kind) {
    case 'new_request':
      return `New request ${item.requestKey}: ${item.summary}`;
    case 'customer_reply':
      return `The customer replied on ${item.requestKey}: ${item.summary}`;
    case 'assigned':
      return `${someone} assigned ${item.requestKey} to you: ${item.summary}`;
    case 'mentioned':
      return `${someone} mentioned you on ${item.requestKey}: ${item.summary}`;
  }
}

const pageOf = (item: NotificationItem, appUrl: string) => `${appUrl}/requests/${item.requestKey}`;

const footer = '-- \nSent by Intake. Choose which emails you get on your Profile page:';

/** How one notification can be answered by email: replies go to the project's channel, carrying the answer token. */
export interface AnswerByEmail {
  replyTo: string;
  messageId: string;
}

export const INTERNAL_NOTE_MARKER = '#internal';

/** The email for one notification, or a digest of several: all the words of notifications live here. */
export function notificationEmail({
  to,
  items,
  appUrl,
  answer,
}: {
  to: string;
  items: NotificationItem[];
  appUrl: string;
  answer?: AnswerByEmail;
}): SystemEmail {
  const profile = `${appUrl}/profile`;
  if (items.length === 1) {
    const item = items[0]!;
    const howToAnswer = answer
      ? [
          `Reply to this email to answer the customer on ${item.requestKey} as yourself; write ${INTERNAL_NOTE_MARKER} alone on the first line to add an internal note instead.`,
          '',
        ]
      : [];
    return {
      to: [to],
      subject: `[Intake] ${headline(item)}`,
      text: [`${headline(item)}.`, '', pageOf(item, appUrl), '', ...howToAnswer, footer, profile].join('\n'),
      ...answer,
    };
  }
  const lines = items.map((item) => `- ${headline(item)}\n  ${pageOf(item, appUrl)}`);
  return {
    to: [to],
    subject: `[Intake] ${items.length} updates on your requests`,
    text: [
      `${items.length} things happened in Intake in the last minute, listed in one email instead of ${items.length}:`,
      '',
      ...lines,
      '',
      footer,
      profile,
    ].join('\n'),
  };
}
