import type { Adapter, AdapterPayload } from 'oidc-provider';

import { recordSecret } from './secret-ledger';

interface Entry {
  model: string;
  id: string;
  payload: AdapterPayload;
  expiresAt: number;
}

const sweepEvery = 1000;
const SECRET_MODELS = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode']);

/**
 * oidc-provider's storage, kept in the harness process: it outlives provider outages
 * (tokens stay valid across stopProvider/startProvider, as at a real IdP), has no size
 * limit (the built-in adapter is an LRU of 1000 entries, too few for benchmarks), and
 * lets the harness revoke grants by account.
 */
export class ProviderStore {
  readonly #entries = new Map<string, Entry>();
  #writes = 0;

  adapterFor(model: string): Adapter {
    const key = (id: string) => `${model}:${id}`;
    return {
      upsert: async (id, payload, expiresIn) => {
        // Opaque tokens and codes are their ids.
        if (SECRET_MODELS.has(model)) recordSecret(id);
        const expiresAt = expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000;
        this.#entries.set(key(id), { model, id, payload, expiresAt });
        this.#writes += 1;
        if (this.#writes % sweepEvery === 0) this.sweep();
      },
      find: async (id) => this.live(key(id))?.payload,
      findByUid: async (uid) => this.matching((entry) => entry.model === model && entry.payload.uid === uid)[0]?.payload,
      consume: async (id) => {
        const entry = this.live(key(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },
      destroy: async (id) => {
        this.#entries.delete(key(id));
      },
      revokeByGrantId: async (grantId) => {
        this.deleteWhere((entry) => entry.model === model && entry.payload.grantId === grantId);
      },
    };
  }

  /** Grant ids an account gave, optionally to one client only. */
  grantIds(accountId: string, clientId?: string): string[] {
    return this.matching(
      (entry) => entry.model === 'Grant' && entry.payload.accountId === accountId && (clientId === undefined || entry.payload.clientId === clientId),
    ).map((entry) => entry.id);
  }

  /** Removes a grant with every code and token issued under it. */
  revokeGrant(grantId: string): void {
    this.#entries.delete(`Grant:${grantId}`);
    this.deleteWhere((entry) => entry.payload.grantId === grantId);
  }

  private live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private matching(predicate: (entry: Entry) => boolean): Entry[] {
    this.sweep();
    return [...this.#entries.values()].filter(predicate);
  }

  private deleteWhere(predicate: (entry: Entry) => boolean): void {
    for (const [key, entry] of this.#entries) if (predicate(entry)) this.#entries.delete(key);
  }

  private sweep(): void {
    const now = Date.now();
    this.deleteWhere((entry) => entry.expiresAt <= now);
  }
}
