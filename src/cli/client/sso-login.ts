import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * `tenantry login --sso`: the browser flow for a command line (RFC 8252). The CLI listens on a free
 * 127.0.0.1 port, prints the server's SSO start URL (naming that loopback address and the S256
 * challenge of a verifier only it knows), and waits. After the person signs in at their identity
 * provider, the server redirects the browser to the loopback address with a one-time code, which the
 * CLI exchanges, with its verifier, for a session.
 */
export async function signInWithSso(options: { url: string; email: string; timeoutMs: number; announce: (startUrl: string) => void }): Promise<{ session_token: string; user: { id: string; email: string } }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const returnTo = `http://127.0.0.1:${(server.address() as { port: number }).port}/callback`;
  try {
    const code = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no sign-in arrived in time; run the command again')), options.timeoutMs);
      server.on('request', (request, response) => {
        const received = new URL(request.url ?? '/', returnTo);
        const value = received.searchParams.get('code');
        if (received.pathname !== '/callback' || !value) {
          response.writeHead(404).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('Signed in to Tenantry: you may close this tab and return to the terminal.\n');
        clearTimeout(timer);
        resolve(value);
      });
      const start = new URL(`${options.url}/v1/auth/sso/start`);
      start.searchParams.set('email', options.email);
      start.searchParams.set('return_to', returnTo);
      start.searchParams.set('code_challenge', challenge);
      options.announce(start.href);
    });
    const response = await fetch(`${options.url}/v1/auth/sso/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, code_verifier: verifier }) });
    const body = (await response.json()) as { session_token?: string; user?: { id: string; email: string }; error?: { message: string } };
    if (!response.ok || !body.session_token || !body.user) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
    return { session_token: body.session_token, user: body.user };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
