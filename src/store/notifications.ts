import pg from 'pg';
import { randomBase62 } from '../lib/ids.ts';
import type { Invalidation } from '../infra/invalidation.ts';

const CHANNEL = 'tenantry_invalidations';

/**
 * Carries cache invalidations between server instances that share one PostgreSQL, with LISTEN/NOTIFY.
 * A dedicated connection listens; when it is lost, the instance cannot know what it missed, so it
 * asks for every cache to be dropped, then listens again.
 *
 * A connection can also stop delivering without failing (a network path that drops packets and sends
 * no reset). So the relay sends itself a probe every `probeIntervalMs`; a probe that has not come back
 * by the next one means the listener is deaf, and it is treated as lost.
 */
export function createPostgresRelay(options: {
  connectionString: string;
  pool: pg.Pool;
  onMessage: (message: Invalidation) => void;
  onError: (error: unknown) => void;
  probeIntervalMs: number;
}) {
  const instanceId = randomBase62(12);
  let client: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let probesSent = 0;
  /** The number of the probe on its way, or undefined when the last one came back. */
  let probeAwaited: number | undefined;
  let listenedBefore = false;

  async function listen(): Promise<void> {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', (notification) => {
      const [sender, ...rest] = (notification.payload ?? '').split(' ');
      if (sender === instanceId) {
        if (rest[0] === 'probe' && Number(rest[1]) === probeAwaited) probeAwaited = undefined;
        return;
      }
      const message = parseInvalidation(rest.join(' '));
      if (message) options.onMessage(message);
    });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      scheduleRetry();
    };
    next.on('error', (error) => {
      options.onError(error);
      lost();
    });
    next.on('end', lost);
    client = next;
    probeAwaited = undefined;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      if (client === next) client = undefined;
      await next.end().catch(() => {});
      throw error;
    }
    // What was cached while nobody listened may already be stale: drop it now that we hear again.
    if (listenedBefore) options.onMessage({ kind: 'everything' });
    listenedBefore = true;
  }

  /** Drops every cache (what was missed is unknown), then tries to listen again. */
  function scheduleRetry(): void {
    if (closed || retryTimer) return;
    options.onMessage({ kind: 'everything' });
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      listen().catch((error: unknown) => {
        options.onError(error);
        scheduleRetry();
      });
    }, 500);
    retryTimer.unref();
  }

  /** A deaf listener cannot be asked to close politely: drop it, and let `lost` start over. */
  function probe(): void {
    const current = client;
    if (!current || retryTimer) return;
    if (probeAwaited !== undefined) {
      options.onError(new Error(`the invalidation listener did not hear probe ${probeAwaited} within ${options.probeIntervalMs} ms; listening again`));
      client = undefined;
      current.removeAllListeners('notification');
      (current as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      current.end().catch(() => {});
      scheduleRetry();
      return;
    }
    probesSent += 1;
    probeAwaited = probesSent;
    options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${instanceId} probe ${probesSent}`]).catch(options.onError);
  }

  return {
    async start(): Promise<void> {
      await listen();
      probeTimer = setInterval(probe, options.probeIntervalMs);
      probeTimer.unref();
    },
    send(message: Invalidation): void {
      options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${instanceId} ${JSON.stringify(message)}`]).catch(options.onError);
    },
    async close(): Promise<void> {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (probeTimer) clearInterval(probeTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}

// Every kind, written as a record so that a kind added to Invalidation must be added here too.
const KIND_NAMES: Record<Invalidation['kind'], true> = {
  organization: true,
  project: true,
  api_key: true,
  session: true,
  user_sessions: true,
  endpoint: true,
  endpoint_replicas: true,
  budgets: true,
  everything: true,
};
const KINDS: ReadonlySet<string> = new Set(Object.keys(KIND_NAMES));

/** Reads a NOTIFY payload back into an invalidation; anything else (another version's message) is dropped. */
function parseInvalidation(text: string): Invalidation | undefined {
  try {
    const value = JSON.parse(text) as { kind?: unknown; id?: unknown };
    if (typeof value.kind !== 'string' || !KINDS.has(value.kind)) return undefined;
    if (value.kind === 'everything') return { kind: 'everything' };
    if (typeof value.id !== 'string') return undefined;
    return { kind: value.kind, id: value.id } as Invalidation;
  } catch {
    return undefined;
  }
}
