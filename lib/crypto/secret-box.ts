import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { getEnv } from '@/lib/env';

/**
 * AES-256-GCM for secrets at rest (client secrets, tokens, mailbox passwords).
 * Each value is tagged with the id of the key that sealed it, so keys can rotate: the current
 * key seals, the current and previous keys open.
 *
 * Format: `v1.<key id>.<iv>.<ciphertext+tag>` (base64url parts). The purpose (such as
 * `mailbox.refresh_token`) is bound as associated data, so a value cannot be moved to another field.
 */
export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

interface Key {
  id: string;
  material: Buffer;
}

function deriveKey(secret: string): Key {
  const material = Buffer.from(hkdfSync('sha256', secret, 'intake', 'intake secrets at rest v1', 32));
  const id = createHash('sha256').update(material).digest('base64url').slice(0, 8);
  return { id, material };
}

export interface SecretBox {
  currentKeyId: string;
  seal(plaintext: string, purpose: string): string;
  open(sealed: string, purpose: string): string;
  /** The id of the key a value was sealed with. */
  keyIdOf(sealed: string): string;
}

export function createSecretBox(currentSecret: string, previousSecrets: string[] = []): SecretBox {
  const current = deriveKey(currentSecret);
  const keys = new Map<string, Key>([[current.id, current]]);
  for (const secret of previousSecrets) {
    const key = deriveKey(secret);
    if (!keys.has(key.id)) keys.set(key.id, key);
  }

  const parse = (sealed: string) => {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretKeyError('A stored secret is not in Intake’s encrypted format.');
    return { keyId: parts[1]!, iv: Buffer.from(parts[2]!, 'base64url'), body: Buffer.from(parts[3]!, 'base64url') };
  };

  return {
    currentKeyId: current.id,
    seal(plaintext, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', current.material, iv);
      cipher.setAAD(Buffer.from(purpose));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(sealed, purpose) {
      const { keyId, iv, body } = parse(sealed);
      const key = keys.get(keyId);
      if (!key) {
        throw new SecretKeyError(
          `A stored secret was encrypted with key ${keyId}, which is not configured. ` +
            'Set INTAKE_SECRET_KEY (or INTAKE_PREVIOUS_SECRET_KEYS) to the key it was encrypted with.',
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.material, iv);
        decipher.setAAD(Buffer.from(purpose));
        decipher.setAuthTag(body.subarray(body.length - 16));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretKeyError(`A stored secret could not be decrypted with key ${keyId}: it was altered or sealed for another field.`);
      }
    },
    keyIdOf: (sealed) => parse(sealed).keyId,
  };
}

const BOX_KEY = Symbol.for('intake.secretBox');
type GlobalWithBox = typeof globalThis & { [BOX_KEY]?: { box: SecretBox; fingerprint: string } };

/** The secret box for this process's configured keys. */
export function getSecretBox(): SecretBox {
  const env = getEnv();
  const fingerprint = [env.INTAKE_SECRET_KEY, ...env.INTAKE_PREVIOUS_SECRET_KEYS].join('\0');
  const holder = globalThis as GlobalWithBox;
  if (holder[BOX_KEY]?.fingerprint !== fingerprint) {
    holder[BOX_KEY] = { box: createSecretBox(env.INTAKE_SECRET_KEY, env.INTAKE_PREVIOUS_SECRET_KEYS), fingerprint };
  }
  return holder[BOX_KEY].box;
}
