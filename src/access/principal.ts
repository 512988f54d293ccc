import type { Permission } from './permissions.ts';

/** The two kinds of principal; a user signs in, a service account only holds API keys. */
export type PrincipalType = 'user' | 'service_account';

/** The credential a request came with; it can only narrow what its principal may do. */
export type Credential =
  | { kind: 'session'; sessionId: string }
  | {
      kind: 'api_key';
      keyId: string;
      organizationId: string;
      scope: { type: 'project' | 'organization'; id: string };
      /** `restricted`: only what `restriction` lists (see key-permissions.ts). */
      permissions: 'all' | 'read_only' | 'restricted';
      /** A restricted key's permissions; null for `all` and `read_only`. */
      restriction: ReadonlySet<Permission> | null;
      expiresAt: number | null;
      /** What the key's creator held when it made the key for someone else; null: no ceiling. */
      ceiling: ReadonlySet<Permission> | null;
    };

/** Who is acting: a user or a service account, through one credential. Passed whole to every use case. */
export interface Principal {
  type: PrincipalType;
  id: string;
  credential: Credential;
  /** The address the request came from (forwarded only by trusted proxies), for the audit log. */
  ip: string | null;
}
