import { and, eq, isNull, lt, or, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Queryable } from '@/db/client';
import { customers, requests, users } from '@/db/schema';
import { type Actor, requireProjectRole } from '@/lib/auth/actor';
import { customerNameIn } from '@/lib/customers/customer-name';
import { isUuid, parseInput } from '@/lib/validation';

export const QUEUE_PAGE_SIZE = 50;

export const queueQuerySchema = z.object({
  status: z.enum(['open', 'waiting', 'resolved', 'unresolved', 'all']).default('unresolved'),
  /** A user id, `me`, `unassigned` or empty for anyone. */
  assignee: z.string().max(64).default(''),
  /** The reporter's email address (exact) or empty. */
  reporter: z.string().trim().toLowerCase().max(254).default(''),
  q: z.string().trim().max(200).default(''),
  sort: z.enum(['activity', 'created']).default('activity'),
  /** Opaque keyset cursor of the last row of the previous page. */
  after: z.string().max(200).default(''),
});

function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): { at: Date; id: string } | null {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !id || !isUuid(id) || Number.isNaN(Date.parse(at))) return null;
  return { at: new Date(at), id };
}

/**
 * A page of a project's queue. Keyset pagination on (sort time, id) with matching indexes
 * keeps every page as fast as the first, whatever the queue's size.
 */
export async function listRequests({ db, actor, projectId, query }: { db: Queryable; actor: Actor | null; projectId: string; query: unknown }) {
  await requireProjectRole(db, actor, projectId, 'agent');
  const filters = parseInput(queueQuerySchema, query);
  const sortColumn = filters.sort === 'created' ? requests.createdAt : requests.lastActivityAt;
  const conditions: (SQL | undefined)[] = [eq(requests.projectId, projectId)];
  if (filters.status === 'unresolved') conditions.push(sql`${requests.status} <> 'resolved'`);
  else if (filters.status !== 'all') conditions.push(eq(requests.status, filters.status));
  if (filters.assignee === 'unassigned') conditions.push(isNull(requests.assigneeId));
  else if (filters.assignee === 'me') conditions.push(eq(requests.assigneeId, actor!.userId));
  else if (isUuid(filters.assignee)) conditions.push(eq(requests.assigneeId, filters.assignee));
  if (filters.reporter) conditions.push(eq(customers.email, filters.reporter));
  if (filters.q) {
    const key = /^[A-Z]{2,10}-(\d{1,9})$/i.exec(filters.q);
    conditions.push(key ? eq(requests.number, Number(key[1])) : sql`${requests.searchVector} @@ websearch_to_tsquery('simple', ${filters.q})`);
  }
  const cursor = filters.after ? decodeCursor(filters.after) : null;
  if (cursor) conditions.push(or(lt(sortColumn, cursor.at), and(eq(sortColumn, cursor.at), lt(requests.id, cursor.id))));

  const assignee = alias(users, 'assignee');
  const rows = await db
    .select({
      id: requests.id,
      number: requests.number,
      summary: requests.summary,
      status: requests.status,
      createdAt: requests.createdAt,
      lastActivityAt: requests.lastActivityAt,
      reporterEmail: customers.email,
      reporterName: customerNameIn(requests.projectId),
      assigneeName: assignee.name,
    })
    .from(requests)
    .leftJoin(customers, eq(customers.id, requests.reporterId))
    .leftJoin(assignee, eq(assignee.id, requests.assigneeId))
    .where(and(...conditions))
    // NULLS LAST as in the queue indexes (drizzle writes them so): plain DESC means NULLS FIRST,
    // which no index provides, and a large queue would be read and sorted whole for every page.
    .orderBy(sql`${sortColumn} desc nulls last`, sql`${requests.id} desc nulls last`)
    .limit(QUEUE_PAGE_SIZE + 1);
  const page = rows.slice(0, QUEUE_PAGE_SIZE);
  const last = page.at(-1);
  return {
    filters,
    rows: page,
    nextCursor: rows.length > QUEUE_PAGE_SIZE && last ? encodeCursor(filters.sort === 'created' ? last.createdAt : last.lastActivityAt, last.id) : null,
  };
}
