import { customType } from 'drizzle-orm/pg-core';

/** Raw bytes (message sources, attachments) as Buffers, on postgres.js and PGlite alike. */
export const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  toDriver: (value) => value,
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});
