import * as client from 'openid-client';
import type { Clock } from './clock.ts';

/**
 * The OpenID Connect relying party: discovery, the authorization URL (code flow with PKCE, state and
 * nonce) and the redemption of the code, whose id_token is validated here: issuer, audience, expiry,
 * nonce, and its signature against the provider's JWKS (openid-client skips the signature of a token
 * that came straight from the token endpoint unless non-repudiation checks are enabled, so they are).
 */

export interface OidcConnectionSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | null;
  redirectUri: string;
}

export interface OidcChecks {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Why a sign-in at the identity provider failed; the codes reach the audit log and the error. */
export type OidcFailure =
  | 'idp_unreachable'
  | 'idp_refused'
  | 'id_token_expired'
  | 'id_token_signature_invalid'
  | 'id_token_invalid';

export class OidcError extends Error {
  constructor(
    readonly reason: OidcFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface OidcRelyingParty {
  newChecks(): OidcChecks;
  authorizationUrl(settings: OidcConnectionSettings, checks: OidcChecks, loginHint: string | undefined): Promise<string>;
  /** Redeems the code the callback URL carries; answers the validated id_token's claims. */
  redeem(settings: OidcConnectionSettings, callbackUrl: string, checks: OidcChecks): Promise<Record<string, unknown>>;
  /** Discovery only: whether the issuer answers as an OpenID provider. */
  discover(settings: OidcConnectionSettings): Promise<void>;
}

const CACHE_MS = 5 * 60_000;

export function createOidcRelyingParty(options: { clock: Clock; allowHttpIssuers: boolean; timeoutMs: number }): OidcRelyingParty {
  const cache = new Map<string, { config: client.Configuration; at: number }>();

  async function configuration(settings: OidcConnectionSettings): Promise<client.Configuration> {
    const key = JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret, settings.redirectUri]);
    const cached = cache.get(key);
    if (cached && performance.now() - cached.at < CACHE_MS) return cached.config;
    let issuer: URL;
    try {
      issuer = new URL(settings.issuer);
    } catch {
      throw new OidcError('idp_unreachable', 'The issuer is not a URL.');
    }
    const metadata: Partial<client.ClientMetadata> = {
      client_id: settings.clientId,
      redirect_uris: [settings.redirectUri],
      // The server's clock, so that expiry is judged by the same time the rest of Tenantry uses.
      [client.clockSkew]: options.clock() - Math.floor(Date.now() / 1000),
      ...(settings.clientSecret !== null ? { client_secret: settings.clientSecret } : {}),
    };
    const execute = [client.enableNonRepudiationChecks, ...(options.allowHttpIssuers && issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [])];
    const auth = settings.clientSecret !== null ? client.ClientSecretBasic(settings.clientSecret) : client.None();
    let config: client.Configuration;
    try {
      config = await client.discovery(issuer, settings.clientId, metadata, auth, { execute, timeout: options.timeoutMs / 1000 });
    } catch (error) {
      throw new OidcError('idp_unreachable', `The identity provider's discovery document could not be read: ${describe(error)}`);
    }
    cache.set(key, { config, at: performance.now() });
    return config;
  }

  return {
    newChecks: () => ({ state: client.randomState(), nonce: client.randomNonce(), codeVerifier: client.randomPKCECodeVerifier() }),

    async authorizationUrl(settings, checks, loginHint) {
      const config = await configuration(settings);
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: settings.redirectUri,
        scope: 'openid email profile groups',
        response_type: 'code',
        state: checks.state,
        nonce: checks.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        ...(loginHint ? { login_hint: loginHint } : {}),
      });
      return url.href;
    },

    async redeem(settings, callbackUrl, checks) {
      const config = await configuration(settings);
      try {
        const tokens = await client.authorizationCodeGrant(config, new URL(callbackUrl), {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new OidcError('id_token_invalid', 'The identity provider answered without an id_token.');
        return { ...claims };
      } catch (error) {
        throw classify(error);
      }
    },

    async discover(settings) {
      await configuration(settings);
    },
  };
}

function classify(error: unknown): OidcError {
  if (error instanceof OidcError) return error;
  if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
    return new OidcError('idp_refused', `The identity provider refused the sign-in: ${error.error}.`);
  }
  const code = (error as { code?: unknown }).code;
  const message = describe(error);
  // openid-client wraps oauth4webapi's error, whose message says which check failed.
  const chain = causes(error);
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED' && /"exp"|expir/i.test(chain)) return new OidcError('id_token_expired', 'The id_token has expired.');
  if (/signature|no applicable key|key selection/i.test(chain)) {
    return new OidcError('id_token_signature_invalid', 'The id_token\'s signature does not match a key of the identity provider.');
  }
  if (error instanceof TypeError || code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'ECONNREFUSED') {
    return new OidcError('idp_unreachable', `The identity provider could not be reached: ${message}`);
  }
  return new OidcError('id_token_invalid', `The identity provider's answer was not accepted: ${message}`);
}

/** The messages of an error and of its causes, for telling which check failed. */
function causes(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth += 1) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages.join(' | ');
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
