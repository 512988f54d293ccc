import type { FastifyInstance, onSendHookHandler } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The answer carries a credential (a session token, a CSRF token, an API key's secret): no cache,
     * shared or private, may keep it.
     */
    sensitive?: boolean;
  }
}

/**
 * The one `<style>` element swagger-ui-bundle.js (@fastify/swagger-ui 5.2) inserts at run time, allowed
 * by its hash rather than by 'unsafe-inline'. Checked in headless Chromium: with this hash the page
 * reports no CSP violation; a swagger-ui that changes that style only loses that bit of styling.
 */
const SWAGGER_UI_INLINE_STYLE = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/**
 * The API documentation pages (swagger-ui): its scripts, styles and images are files of its own, loaded
 * from /docs/static; it fetches the document from /docs/json; its icons are data: URIs in its CSS. No
 * inline script, nothing from elsewhere, and no page may frame it.
 */
export const DOCS_CSP =
  "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'; " +
  `script-src 'self'; style-src 'self' ${SWAGGER_UI_INLINE_STYLE}; img-src 'self' data:; font-src 'self' data:; connect-src 'self'`;

/**
 * Headers every answer gets, decided once per route rather than case by case: `nosniff` on all of them
 * (a JSON error must never be sniffed into HTML), `no-store` on the routes that declare `sensitive`,
 * through a hook of their own, so that no other route pays for the check.
 */
export function registerResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    done(null, payload);
  });
  app.addHook('onRoute', (route) => {
    if (!route.config?.sensitive) return;
    const own = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...own, noStore];
  });
}

const noStore: onSendHookHandler = (_request, reply, payload, done) => {
  reply.header('cache-control', 'no-store');
  done(null, payload);
};
