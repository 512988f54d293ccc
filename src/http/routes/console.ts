import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build` writes the console (web/dist at the repository root). */
export const CONSOLE_DIST = resolve(import.meta.dirname, '..', '..', '..', 'web', 'dist');

/** Paths the API and its documentation own: the console never answers for them. */
const API_PREFIXES = ['/v1/', '/docs/'];
const API_PATHS = new Set(['/v1', '/docs', '/openapi.json', '/healthz']);

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The page loads only its own scripts, styles and images; nothing may frame it. */
export const CONSOLE_CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

interface StaticFile {
  path: string;
  bytes: number;
}

function fileIn(root: string, urlPath: string): StaticFile | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  // No dotfiles, no way out of the folder.
  if (decoded.split('/').some((segment) => segment.startsWith('.'))) return undefined;
  const path = normalize(join(root, decoded));
  if (path !== root && !path.startsWith(root + sep)) return undefined;
  try {
    const stat = statSync(path);
    return stat.isFile() ? { path, bytes: stat.size } : undefined;
  } catch {
    return undefined;
  }
}

function securePage(reply: FastifyReply): void {
  reply.header('content-security-policy', CONSOLE_CSP).header('referrer-policy', 'no-referrer').header('x-frame-options', 'DENY');
}

function isApiPath(path: string): boolean {
  return API_PATHS.has(path) || API_PREFIXES.some((prefix) => path.startsWith(prefix));
}

function send(request: FastifyRequest, reply: FastifyReply, file: StaticFile, cacheControl: string): FastifyReply {
  if (extname(file.path) === '.html') securePage(reply);
  reply
    .header('content-type', CONTENT_TYPES[extname(file.path)] ?? 'application/octet-stream')
    .header('content-length', String(file.bytes))
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff');
  return reply.send(request.method === 'HEAD' ? '' : createReadStream(file.path));
}

/**
 * Serves the web console (web/dist) at `/`: its files as they are, and `index.html` for any other
 * browser navigation (the console routes in the page itself).
 *
 * It answers only requests that match no API route, from an `onRequest` hook at the root, so it adds no
 * route to the route table: every URL it answers is one the API does not have, needs no credentials,
 * and the API's own 404 (in the error shape) still answers everything else, including every unknown
 * `/v1` path.
 */
export function consoleRoutes(options: { root?: string } = {}) {
  const root = resolve(options.root ?? CONSOLE_DIST);
  const plugin = async (app: FastifyInstance): Promise<void> => {
    // A callback hook: the API's own requests pass it with one comparison and no promise.
    app.addHook('onRequest', (request, reply, done) => {
      if (request.routeOptions.url !== undefined || (request.method !== 'GET' && request.method !== 'HEAD')) return done();
      const path = request.url.split('?')[0]!;
      if (isApiPath(path)) return done();

      const file = path === '/' ? undefined : fileIn(root, path);
      if (file) {
        // Vite names the built assets by their content hash: they never change under one name.
        send(request, reply, file, path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
        return;
      }
      if (!String(request.headers.accept ?? '').includes('text/html')) return done();
      const index = fileIn(root, '/index.html');
      if (index) {
        send(request, reply, index, 'no-cache');
        return;
      }
      securePage(reply);
      reply
        .status(503)
        .header('content-type', 'text/plain; charset=utf-8')
        .send('The web console is not built. Run `npm run build`, then reload this page. The API is served under /v1.\n');
    });
  };
  // Not encapsulated (what fastify-plugin does): the hook must see the requests no route matched.
  Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'console' });
  return plugin;
}
