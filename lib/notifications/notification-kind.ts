import { notifications } from '@/db/schema';

export type NotificationKind = (typeof notifications.$inferSelect)['kind'];

/** Every kind, in the order the Profile page lists them. */
export const NOTIFICATION_KINDS: readonly NotificationKind[] = notifications.kind.enumValues;
