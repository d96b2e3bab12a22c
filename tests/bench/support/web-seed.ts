import type { DatabaseHandle } from '@/db/client';

/**
 * A busy project's history in a few set-based statements: customers, requests spread over the
 * last months (a third each open, waiting, resolved) each with the email it came from, and a
 * short thread on one request in a hundred.
 */
export async function seedRequests(database: DatabaseHandle, projectId: string, count: number): Promise<void> {
  await database.query(`insert into customers (email) select 'web-customer' || g || '@bench.test' from generate_series(1, 5000) g`);
  await database.query(
    `insert into customer_names (customer_id, project_id, name) select id, $1, 'Web Customer ' || split_part(split_part(email, '@', 1), 'web-customer', 2) from customers where email like 'web-customer%'`,
    [projectId],
  );
  await database.query(
    `with people as (select array_agg(id order by email) as ids from customers where email like 'web-customer%')
     insert into requests (project_id, number, summary, description, status, reporter_id, created_at, last_activity_at)
     select $1, g, 'Request ' || g || ': ' || (array['printer on fire', 'invoice missing', 'cannot log in', 'laptop broken'])[1 + g % 4],
       repeat('The customer describes the problem at some length. ', 12), (array['open', 'waiting', 'resolved'])[1 + g % 3]::request_status,
       people.ids[1 + g % 5000], now() - ($2 - g) * interval '1 minute', now() - ($2 - g) * interval '1 minute'
     from generate_series(1, $2::int) g, people`,
    [projectId, count],
  );
  await database.query(
    `insert into comments (request_id, visibility, author_customer_id, body, created_at)
     select r.id, 'public', r.reporter_id, 'A follow-up from the customer, reply ' || k || '.', r.created_at + k * interval '10 minutes'
     from requests r, generate_series(1, 3) k where r.project_id = $1 and r.number % 100 = 0`,
    [projectId],
  );
  // Each request came by email: its stored message, as the request page looks it up.
  await database.query(
    `insert into inbound_messages (project_id, message_id, content_hash, size, raw, subject, status, outcome, request_id, server_action, fetched_at, processed_at)
     select r.project_id, 'seed-' || r.number || '@bench.test', md5(r.id::text), 600, convert_to(repeat('x', 600), 'UTF8'), r.summary, 'processed',
       'Request created WEB-' || r.number, r.id, 'done', r.created_at, r.created_at
     from requests r where r.project_id = $1`,
    [projectId],
  );
  await database.query('update projects set request_counter = $2 where id = $1', [projectId, count]);
  await database.query('analyze');
}
