import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 text from cryptographically random bytes (rejection sampling keeps it unbiased). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export type IdPrefix =
  | 'user_' | 'org_' | 'proj_' | 'grp_' | 'inv_' | 'sa_' | 'key_' | 'sess_'
  | 'role_'
  | 'file-' | 'ftjob-' | 'ftevent-' | 'ftckpt-' | 'ds_' | 'ep_' | 'evt_' | 'batch_' | 'batch_req_'
  | 'budget_' | 'wh_' | 'whdel_' | 'sso_' | 'ssomap_' | 'scimtok_';

/** Opaque, never sequential: 20 random base62 characters (about 119 bits) after the type prefix. */
export function newId(prefix: IdPrefix): string {
  return prefix + randomBase62(20);
}
