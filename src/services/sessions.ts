import { newId } from '../lib/ids.ts';
import { hmacHex, newToken, safeEqual, sha256Hex } from '../lib/secrets.ts';
import type { SessionRecord, UserRecord } from '../store/records.ts';
import type { Repositories, Store } from '../store/store.ts';
import type { Clock } from '../infra/clock.ts';
import { AuthenticationError } from './errors.ts';
import type { InvalidationBus } from '../infra/invalidation.ts';
import { LastUsedRecorder } from './last-used-recorder.ts';

export const SESSION_PREFIX = 'tnt_sess_';
const SESSION_LIFETIME_SECONDS = 30 * 24 * 3600;
const SESSION_IDLE_SECONDS = 7 * 24 * 3600;

interface CachedSession {
  session: SessionRecord;
  user: UserRecord;
  /** performance.now() when its read began: past the bus's staleness bound it is read again. */
  loadedAt: number;
}

/**
 * Session tokens: 256 random bits with a readable prefix; the database keeps only their SHA-256.
 * Authenticated sessions are cached by token hash so a warm request does not query; ending a session
 * drops it from the cache at once.
 */
export function createSessionService(deps: { store: Store; clock: Clock; secret: string; bus: InvalidationBus; onError?: (e: unknown) => void }) {
  const { store, clock, secret, bus } = deps;
  const cache = new Map<string, CachedSession>();
  /** Counts invalidations: a read that raced one may have seen the session before it ended. */
  let epoch = 0;
  const recorder = new LastUsedRecorder((batch) => store.sessions.touch(batch), 60, 5_000, deps.onError);

  function drop(predicate: (entry: CachedSession) => boolean): void {
    for (const [hash, entry] of cache) {
      if (predicate(entry)) {
        cache.delete(hash);
        recorder.forget(entry.session.id);
      }
    }
  }

  bus.subscribe((message) => {
    if (message.kind === 'session') drop((e) => e.session.id === message.id);
    else if (message.kind === 'user_sessions') drop((e) => e.user.id === message.id);
    else if (message.kind === 'everything') drop(() => true);
    if (message.kind === 'session' || message.kind === 'user_sessions' || message.kind === 'everything') epoch += 1;
  });

  /**
   * Drops the cached sessions of a user after some were deleted. Every instance drops them all; the
   * ones that still exist (`_keepSessionId`) are simply read again on their next request.
   */
  function forgetEnded(userId: string, _keepSessionId?: string): void {
    bus.publish({ kind: 'user_sessions', id: userId });
  }

  return {
    /** Creates a session inside the caller's transaction; answers the token, shown once. */
    async issue(tx: Repositories, userId: string): Promise<{ token: string; session: SessionRecord }> {
      const now = clock();
      const token = newToken(SESSION_PREFIX);
      const session: SessionRecord = { id: newId('sess_'), user_id: userId, created_at: now, last_used_at: now, expires_at: now + SESSION_LIFETIME_SECONDS };
      await tx.sessions.insert({ ...session, token_hash: sha256Hex(token) });
      return { token, session };
    },

    async authenticate(token: string): Promise<CachedSession> {
      const hash = sha256Hex(token);
      let entry = cache.get(hash);
      if (!entry || performance.now() - entry.loadedAt >= bus.maxStalenessMs) {
        const startedAt = epoch;
        const loadedAt = performance.now();
        const session = await store.sessions.findByTokenHash(hash);
        const user = session && (await store.users.findById(session.user_id));
        if (!session || !user) {
          cache.delete(hash);
          throw new AuthenticationError('The session is unknown or has ended.');
        }
        const { password_hash: _ignored, ...publicUser } = user;
        entry = { session, user: publicUser, loadedAt };
        if (startedAt === epoch) cache.set(hash, entry);
      }
      const now = clock();
      const lastUsed = Math.max(entry.session.last_used_at, recorder.latest(entry.session.id) ?? 0);
      if (now >= entry.session.expires_at || now - lastUsed >= SESSION_IDLE_SECONDS) {
        cache.delete(hash);
        throw new AuthenticationError('The session has expired; sign in again.', 'session_expired');
      }
      recorder.note(entry.session.id, now, lastUsed);
      return entry;
    },

    async end(sessionId: string): Promise<void> {
      await store.sessions.delete(sessionId);
      bus.publish({ kind: 'session', id: sessionId });
    },

    /** Ends every session of the user but `keepSessionId`; answers how many ended. */
    async endAllForUser(userId: string, keepSessionId?: string): Promise<number> {
      const ended = await store.sessions.deleteForUser(userId, keepSessionId);
      forgetEnded(userId, keepSessionId);
      return ended.length;
    },

    forgetEnded,


    csrfToken(sessionId: string): string {
      return hmacHex(secret, `csrf:${sessionId}`);
    },

    csrfMatches(sessionId: string, presented: string): boolean {
      return safeEqual(hmacHex(secret, `csrf:${sessionId}`), presented);
    },

    flush: () => recorder.flush(),
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
