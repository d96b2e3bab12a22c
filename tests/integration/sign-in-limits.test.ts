import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_ADDRESS_HEADER, parseTrustedProxies, withClientAddress } from '@/lib/net/client-address';
import type { Actor } from '@/lib/auth/actor';
import { signInWithPassword } from '@/lib/users/sign-in-with-password';
import { seedAdmin, seedUser, TEST_PASSWORD } from '../support/fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let testDb: TestDatabase;
let admin: Actor;
const servers: Server[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  admin = await seedAdmin(testDb.handle.db);
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await testDb.drop();
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function post(port: number, localAddress: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: '127.0.0.1', port, localAddress, method: 'POST', path: '/sign-in', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Intake's own listener (as its HTTP server wraps Next.js) signing in with what it is sent, and
 * in front of it a reverse proxy that appends the address it sees, as nginx does with
 * `$proxy_add_x_forwarded_for`.
 */
async function appBehindProxy(): Promise<number> {
  const app = createServer(
    withClientAddress(parseTrustedProxies('127.0.0.1')!, async (incoming, response) => {
      let body = '';
      for await (const chunk of incoming) body += chunk;
      const credentials = JSON.parse(body) as { email: string; password: string };
      const result = await signInWithPassword(testDb.handle.db, credentials, String(incoming.headers[CLIENT_ADDRESS_HEADER]));
      response.end(JSON.stringify({ address: incoming.headers[CLIENT_ADDRESS_HEADER], outcome: result.ok ? 'signed-in' : result.reason }));
    }),
  );
  const appPort = await listen(app);
  const proxy = createServer((incoming, response) => {
    const forwarded = [incoming.headers['x-forwarded-for'], incoming.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = httpRequest(
      { host: '127.0.0.1', port: appPort, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, 'x-forwarded-for': forwarded } },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    incoming.pipe(upstream);
  });
  return listen(proxy);
}

describe('sign-in limits', () => {
  it('verifies at most 5 of 50 concurrent wrong passwords for one account', async () => {
    const user = await seedUser(testDb.handle.db, admin, 'parallel@intake.test');
    const attempts = Array.from({ length: 50 }, (_, index) =>
      signInWithPassword(testDb.handle.db, { email: user.email, password: `wrong guess ${index}` }, `198.51.100.${index}`),
    );
    const results = await Promise.all(attempts);
    const verified = results.filter((result) => !result.ok && result.reason === 'invalid').length;
    expect(verified).toBeGreaterThan(0);
    expect(verified).toBeLessThanOrEqual(5);
    expect(results.filter((result) => !result.ok && result.reason === 'throttled')).toHaveLength(50 - verified);
  });

  it('behind a proxy, a forged X-Forwarded-For neither escapes the per-address limit nor moves it onto another address', async () => {
    const port = await appBehindProxy();
    const outcomes: Array<{ address: string; outcome: string }> = [];
    // Each guess at another account, so that only the per-address limit (20) can stop them.
    for (let index = 0; index < 30; index++) {
      const forged = `127.0.0.3, 203.0.113.${index}`;
      const body = JSON.stringify({ email: `guess-${index}@intake.test`, password: 'wrong guess 1' });
      const answer = await post(
        port,
        '127.0.0.2',
        { 'content-type': 'application/json', 'x-forwarded-for': forged, [CLIENT_ADDRESS_HEADER]: '192.0.2.201' },
        body,
      );
      outcomes.push(JSON.parse(answer.body));
    }
    expect(new Set(outcomes.map((entry) => entry.address))).toEqual(new Set(['127.0.0.2']));
    expect(outcomes.slice(0, 20).every((entry) => entry.outcome === 'invalid')).toBe(true);
    expect(outcomes.slice(20).every((entry) => entry.outcome === 'throttled')).toBe(true);

    // The forged addresses were never charged: the client really at 127.0.0.3 still signs in.
    const victim = JSON.stringify({ email: 'admin@intake.test', password: TEST_PASSWORD });
    const answer = await post(port, '127.0.0.3', { 'content-type': 'application/json' }, victim);
    expect(JSON.parse(answer.body)).toEqual({ address: '127.0.0.3', outcome: 'signed-in' });
  });
});
