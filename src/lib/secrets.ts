import { createCipheriv, createDecipheriv, createHash, createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { randomBase62 } from './ids.ts';

/** 43 base62 characters carry 256 bits. */
const TOKEN_LENGTH = 43;

export function newToken(prefix: string): string {
  return prefix + randomBase62(TOKEN_LENGTH);
}

/** One-shot hashing: about three times cheaper than createHash on every authenticated request. */
export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The AES-256 key a purpose's sealed values are encrypted with, derived from the server secret. */
function sealingKey(serverSecret: string, purpose: string): Buffer {
  return createHash('sha256').update(`tenantry:${purpose}\u0000${serverSecret}`).digest();
}

/**
 * Encrypts a secret that must be read back (a webhook's signing secret) with the server secret:
 * AES-256-GCM, `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export function sealWithSecret(serverSecret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(serverSecret, purpose), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

/** Decrypts what sealWithSecret wrote; throws when the value was changed or the secret differs. */
export function openWithSecret(serverSecret: string, purpose: string, sealed: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed value');
  const decipher = createDecipheriv('aes-256-gcm', sealingKey(serverSecret, purpose), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
