import pg from 'pg';
import { randomBase62 } from '../lib/ids.ts';
import { parseInvalidation, type Invalidation } from '../services/invalidation.ts';

const CHANNEL = 'tenantry_invalidations';

/**
 * Carries cache invalidations between server instances that share one PostgreSQL, with LISTEN/NOTIFY.
 * A dedicated connection listens; when it is lost, the instance cannot know what it missed, so it
 * asks for every cache to be dropped, then listens again.
 */
export function createPostgresRelay(options: {
  connectionString: string;
  pool: pg.Pool;
  onMessage: (message: Invalidation) => void;
  onError: (error: unknown) => void;
}) {
  const instanceId = randomBase62(12);
  let client: pg.Client | undefined;
  let closed = false;
  let retryTimer: NodeJS.Timeout | undefined;

  async function listen(): Promise<void> {
    const next = new pg.Client({ connectionString: options.connectionString });
    next.on('notification', (notification) => {
      const [sender, ...rest] = (notification.payload ?? '').split(' ');
      if (sender === instanceId) return;
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
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      if (client === next) client = undefined;
      await next.end().catch(() => {});
      throw error;
    }
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

  return {
    start: listen,
    send(message: Invalidation): void {
      options.pool.query('SELECT pg_notify($1, $2)', [CHANNEL, `${instanceId} ${JSON.stringify(message)}`]).catch(options.onError);
    },
    async close(): Promise<void> {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => {});
    },
  };
}
