import { describe, expect, it } from 'vitest';
import { headersNameAlias } from '@/lib/ingest/addressed-to-alias';

describe('headersNameAlias', () => {
  it('finds the alias in To, Cc, Delivered-To and X-Original-To, whatever their case', () => {
    expect(headersNameAlias('To: "Help desk" <Help@Acme.test>\r\n', 'help@acme.test')).toBe(true);
    expect(headersNameAlias('Cc: a@x.test, help@acme.test\r\n', 'help@acme.test')).toBe(true);
    expect(headersNameAlias('Delivered-To: alice@acme.test\r\nDelivered-To: help@acme.test\r\n', 'help@acme.test')).toBe(true);
    expect(headersNameAlias('X-Original-To: help@acme.test\r\n', 'help@acme.test')).toBe(true);
  });

  it('reads folded recipient lists', () => {
    expect(headersNameAlias('To: first@x.test,\r\n  second@x.test,\r\n\thelp@acme.test\r\n', 'help@acme.test')).toBe(true);
  });

  it('does not take a longer address that contains the alias for the alias', () => {
    expect(headersNameAlias('To: sales-help@acme.test, help@acme.test.evil\r\n', 'help@acme.test')).toBe(false);
  });

  it('ignores the alias in fields that do not say where the mail went', () => {
    expect(headersNameAlias('From: help@acme.test\r\nReply-To: help@acme.test\r\nTo: alice@acme.test\r\n', 'help@acme.test')).toBe(false);
  });
});
