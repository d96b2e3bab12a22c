import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretKeyError } from '@/lib/crypto/secret-box';

const oldKey = 'old-key-0123456789abcdefghijklmnopqrstuv';
const newKey = 'new-key-0123456789abcdefghijklmnopqrstuv';

describe('secret box', () => {
  it('round-trips with AES-256-GCM, a fresh IV each time, tagged with the key id', () => {
    const box = createSecretBox(oldKey);
    const first = box.seal('refresh-token-value', 'mailbox.refresh_token');
    const second = box.seal('refresh-token-value', 'mailbox.refresh_token');
    expect(first).not.toBe(second);
    expect(first).not.toContain('refresh-token-value');
    expect(first.split('.')[1]).toBe(box.currentKeyId);
    expect(box.open(first, 'mailbox.refresh_token')).toBe('refresh-token-value');
  });

  it('opens values sealed with a previous key after rotation and seals with the new one', () => {
    const sealedBefore = createSecretBox(oldKey).seal('client-secret', 'integration.client_secret');
    const rotated = createSecretBox(newKey, [oldKey]);
    expect(rotated.keyIdOf(sealedBefore)).not.toBe(rotated.currentKeyId);
    expect(rotated.open(sealedBefore, 'integration.client_secret')).toBe('client-secret');
    const resealed = rotated.seal('client-secret', 'integration.client_secret');
    expect(rotated.keyIdOf(resealed)).toBe(rotated.currentKeyId);
  });

  it('fails closed with a clear error on a wrong key, a tampered value or another field', () => {
    const sealed = createSecretBox(oldKey).seal('password', 'mailbox.password');
    expect(() => createSecretBox(newKey).open(sealed, 'mailbox.password')).toThrow(SecretKeyError);
    expect(() => createSecretBox(newKey).open(sealed, 'mailbox.password')).toThrow(/not configured/);
    const parts = sealed.split('.');
    const tampered = [...parts.slice(0, 3), `${parts[3]!.slice(0, -2)}AA`].join('.');
    expect(() => createSecretBox(oldKey).open(tampered, 'mailbox.password')).toThrow(/altered/);
    expect(() => createSecretBox(oldKey).open(sealed, 'mailbox.access_token')).toThrow(/altered or sealed for another field/);
    expect(() => createSecretBox(oldKey).open('plain text', 'mailbox.password')).toThrow(/not in Intake’s encrypted format/);
  });
});
