import { connect, createServer, type Server } from 'node:net';

export const loopback = '127.0.0.1';
/**
 * The mail servers listen on a loopback address of their own: Dovecot treats a client whose
 * address equals the server's as local and secure, and would then accept passwords before
 * STARTTLS. Clients connect from 127.0.0.1, so TLS is enforced as on a real server.
 */
export const mailHost = '127.0.0.2';

/** Every port `freePorts` gave out in this process: a port closed again may be handed out twice. */
const givenOut = new Set<string>();

/**
 * Distinct free loopback ports, held open together so the kernel cannot hand out one twice, and
 * none given out before in this process (two Dovecot instances pick theirs before either binds).
 */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    while (ports.length < count) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address');
      if (givenOut.has(`${host}:${address.port}`)) continue;
      givenOut.add(`${host}:${address.port}`);
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Resolves once the server listens; rejects if it cannot (a fixed port taken meanwhile). */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function greeting(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    socket.setTimeout(2000, () => socket.destroy(new Error('no greeting')));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('error', reject);
  });
}

/** Waits until a plain-text mail port answers with the expected greeting (e.g. `* OK`, `+OK`). */
export async function waitForGreeting(host: string, port: number, expected: string, timeoutMs: number, aborted: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = aborted();
    if (failure) throw failure;
    try {
      const text = await greeting(host, port);
      if (text.startsWith(expected)) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`port ${port} did not greet with "${expected}" within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
