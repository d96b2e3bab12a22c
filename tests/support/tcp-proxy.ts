import { connect, createServer, type Server, type Socket } from 'node:net';

interface Link {
  /** Its number: the nth connection accepted. */
  id: number;
  client: Socket;
  upstream: Socket | null;
}

/**
 * A TCP relay on loopback in front of a server (TLS passes through untouched), through which a
 * test breaks the network in ways a real server cannot: a black hole (no byte delivered either
 * way, no FIN, no RST), an answer that stops in the middle, and an outage (connections refused).
 */
export class TcpProxy {
  /** Connections accepted since the proxy started. */
  connections = 0;
  /** Bytes relayed from the server to clients. */
  bytesDown = 0;
  readonly #links = new Set<Link>();
  #blackHole = false;
  #stall: { after: number; reached: () => void } | null = null;
  #server: Server;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly target: { host: string; port: number },
    server: Server,
  ) {
    this.#server = server;
    server.on('connection', (client) => this.#accept(client));
  }

  static async start(host: string, target: { host: string; port: number }): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the proxy is not listening');
    return new TcpProxy(host, address.port, target, server);
  }

  /** The numbers of the connections open now (their client has not closed them), oldest first. */
  get openConnections(): number[] {
    return [...this.#links].map((link) => link.id);
  }

  #accept(client: Socket): void {
    this.connections++;
    const link: Link = { id: this.connections, client, upstream: null };
    this.#links.add(link);
    client.on('error', () => {});
    client.once('close', () => {
      this.#links.delete(link);
      if (!this.#blackHole) link.upstream?.destroy();
    });
    // A connection made during a black hole waits, like a SYN retransmitted until the path is back.
    client.pause();
    if (!this.#blackHole) this.#open(link);
  }

  #open(link: Link): void {
    const upstream = connect(this.target.port, this.target.host);
    link.upstream = upstream;
    upstream.on('error', () => link.client.destroy());
    upstream.on('data', (chunk: Buffer) => this.#relayDown(link, chunk));
    upstream.once('end', () => {
      if (!this.#blackHole) link.client.end();
    });
    upstream.once('close', () => {
      if (!this.#blackHole) link.client.destroy();
    });
    link.client.on('data', (chunk: Buffer) => {
      if (!this.#blackHole) upstream.write(chunk);
    });
    link.client.resume();
  }

  #relayDown(link: Link, chunk: Buffer): void {
    if (this.#blackHole || (this.#stall && this.bytesDown >= this.#stall.after)) return;
    this.bytesDown += chunk.length;
    link.client.write(chunk);
    if (this.#stall && this.bytesDown >= this.#stall.after) this.#stall.reached();
  }

  /**
   * Once `bytes` more have gone from the server to the clients, nothing more does: an answer
   * stops in the middle (the connections stay open). Resolves at that moment.
   */
  stallDownAfter(bytes: number): Promise<void> {
    return new Promise((reached) => {
      this.#stall = { after: this.bytesDown + bytes, reached };
    });
  }

  /** From now on nothing passes either way and nobody is told: both ends keep their sockets open. */
  startBlackHole(): void {
    this.#blackHole = true;
  }

  /**
   * The path is back. Connections that lived through the black hole lost bytes and are cut, as
   * their state is gone by now on a real network; connections made meanwhile go through.
   */
  endBlackHole(): void {
    this.#blackHole = false;
    for (const link of this.#links) {
      if (link.upstream) {
        link.upstream.destroy();
        link.client.destroy();
      } else {
        this.#open(link);
      }
    }
  }

  /** The server is gone: open connections are cut and new ones refused, until `reopen`. */
  async refuse(): Promise<void> {
    const closed = new Promise((resolve) => this.#server.close(resolve));
    for (const link of this.#links) {
      link.upstream?.destroy();
      link.client.destroy();
    }
    await closed;
  }

  /** Listens again on the same port, relaying as before. */
  async reopen(): Promise<void> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, resolve);
    });
    server.on('connection', (client) => this.#accept(client));
    this.#stall = null;
    this.#server = server;
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.refuse();
  }
}
