import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

/**
 * An OpenID provider that misbehaves on purpose, for the refusals a real one never produces: it
 * publishes one key in its JWKS and signs id_tokens with another (`forged`), or signs them properly
 * but already expired (`expired`). Everything else (discovery, the authorization redirect with state,
 * the token endpoint, nonce and audience) is what a real provider answers.
 */
export type Misbehaviour = 'forged' | 'expired';

export interface ForgingIssuer {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function jwt(claims: Record<string, unknown>, key: KeyObject, kid: string): string {
  const signingInput = `${base64url({ alg: 'RS256', typ: 'JWT', kid })}.${base64url(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), key).toString('base64url')}`;
}

export async function startForgingIssuer(options: { misbehaviour: Misbehaviour; email: string }): Promise<ForgingIssuer> {
  const published = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unpublished = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'published-key';
  const clientId = 'tenantry';
  const clientSecret = 'forging-issuer-secret';
  const nonces = new Map<string, string>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  server.on('request', (request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json({ keys: [{ ...published.publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] });
    if (url.pathname === '/authorize') {
      const code = randomUUID();
      nonces.set(code, url.searchParams.get('nonce') ?? '');
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(302, { location: back.href });
      return response.end();
    }
    if (url.pathname === '/token' && request.method === 'POST') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const code = new URLSearchParams(body).get('code') ?? '';
        const now = Math.floor(Date.now() / 1000);
        const expired = options.misbehaviour === 'expired';
        const claims = {
          iss: issuer,
          aud: clientId,
          sub: 'forged-subject',
          email: options.email,
          email_verified: true,
          nonce: nonces.get(code),
          iat: expired ? now - 7200 : now,
          exp: expired ? now - 3600 : now + 3600,
        };
        const key = options.misbehaviour === 'forged' ? unpublished.privateKey : published.privateKey;
        json({ access_token: randomUUID(), token_type: 'Bearer', expires_in: 3600, id_token: jwt(claims, key, kid) });
      });
      return;
    }
    response.writeHead(404);
    response.end();
  });
  return { issuer, clientId, clientSecret, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
