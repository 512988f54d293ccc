import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
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

/**
 * Encryption for secrets the server must read back (an SSO connection's client secret): AES-256-GCM
 * under a key derived from the server secret for one purpose, so the same server secret never keys
 * two different uses. The answer is `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export function encryptWithSecret(secret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derivedKey(secret, purpose), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

/** Throws when the text was not made by encryptWithSecret under this secret and purpose. */
export function decryptWithSecret(secret: string, purpose: string, sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('not a sealed secret');
  const decipher = createDecipheriv('aes-256-gcm', derivedKey(secret, purpose), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

function derivedKey(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(`encryption:${purpose}`).digest();
}
