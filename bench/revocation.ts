import { setImmediate as yieldToIo } from 'node:timers/promises';
import { pidsNamed, watchCpu } from './cpu.ts';
import { expectInjected, startInProcess, type InProcessTenantry } from './in-process.ts';
import { createPostgresDatabase, POSTGRES_ADMIN_URL } from './postgres.ts';
import { latencyOf } from './sequential.ts';
import type { LatencyFigures } from './list-latency.ts';

/**
 * How long a key revoked on one instance keeps working on another that shares its PostgreSQL. Two
 * instances run in the bench's process on a fresh database. For each key: two requests on B warm its
 * caches, the key is revoked on A, then B is asked again and again (one request at a time, yielding
 * to I/O between them so B can hear the NOTIFY) until it answers 401. The figure is the time from
 * the DELETE's answer to that 401's answer, so its resolution is one request on B.
 */

export interface RevocationOptions {
  keys: number;
  /** A key still accepted after this long counts as not propagated, and the bench goes on. */
  giveUpMs: number;
}

export interface RevocationFigures {
  options: RevocationOptions;
  database: string;
  propagation: LatencyFigures;
  /** Requests on B per key until the 401, the 401 included: median and most. */
  pollsMedian: number;
  pollsMax: number;
  /** Keys B still accepted after giveUpMs. */
  notPropagated: number;
  /** DELETE on A, answer time (ms), median. */
  revokeP50Ms: number;
  /** PostgreSQL's processes (those running as the phase began) over the phase, % of one core. */
  postgresCpuPercent: number | null;
  /** The bench's process: both instances and the polling loop. */
  benchCpuPercent: number;
  /** Everything else over the phase, % of one core. */
  otherCpuPercent: number | null;
}

export async function measureRevocation(options: RevocationOptions): Promise<RevocationFigures> {
  const database = await createPostgresDatabase();
  const instances: InProcessTenantry[] = [];
  try {
    const a = await startInProcess(database.url);
    instances.push(a);
    const b = await startInProcess(database.url);
    instances.push(b);
    const signup = expectInjected(
      await a.call('POST', '/v1/auth/signup', { body: { email: 'revocation@bench.test', password: 'correct horse battery', name: 'Bench' } }),
      201,
      'POST /v1/auth/signup',
    ) as { session_token: string; project: { id: string } };
    const token = signup.session_token;
    const path = `/v1/projects/${signup.project.id}`;
    const keys: Array<{ id: string; key: string }> = [];
    for (let i = 0; i < options.keys; i++) {
      keys.push(expectInjected(await a.call('POST', `${path}/api_keys`, { token, body: { name: `revoke-${i}` } }), 201, 'POST api_keys') as { id: string; key: string });
    }

    const times: number[] = [];
    const polls: number[] = [];
    const revokes: number[] = [];
    let notPropagated = 0;
    // PostgreSQL runs on this machine: its processes do part of the work and are not other programs.
    const postgres = pidsNamed('postgres');
    const stopWatching = watchCpu(undefined, postgres);
    for (const key of keys) {
      for (let i = 0; i < 2; i++) expectInjected(await b.call('GET', path, { token: key.key }), 200, 'GET on B before the revocation');
      const revokeStarted = performance.now();
      expectInjected(await a.call('DELETE', `${path}/api_keys/${key.id}`, { token }), 200, 'DELETE api_keys/{key} on A');
      const revoked = performance.now();
      revokes.push(revoked - revokeStarted);
      let n = 0;
      for (;;) {
        const response = await b.call('GET', path, { token: key.key });
        n += 1;
        const elapsed = performance.now() - revoked;
        if (response.status === 401) {
          times.push(elapsed);
          break;
        }
        if (response.status !== 200) throw new Error(`GET on B after the revocation: HTTP ${response.status}: ${JSON.stringify(response.body)}`);
        if (elapsed > options.giveUpMs) {
          notPropagated += 1;
          times.push(elapsed);
          break;
        }
        await yieldToIo();
      }
      polls.push(n);
    }
    const cpu = stopWatching();
    polls.sort((x, y) => x - y);
    revokes.sort((x, y) => x - y);
    return {
      options,
      database: `PostgreSQL at ${new URL(POSTGRES_ADMIN_URL).host}, a fresh database`,
      propagation: latencyOf(times),
      pollsMedian: polls[polls.length >> 1]!,
      pollsMax: polls[polls.length - 1]!,
      notPropagated,
      revokeP50Ms: revokes[revokes.length >> 1]!,
      postgresCpuPercent: postgres.length === 0 ? null : cpu.companionPercents.reduce<number>((sum, p) => sum + (p ?? 0), 0),
      benchCpuPercent: cpu.benchPercent,
      otherCpuPercent: cpu.otherPercent,
    };
  } finally {
    for (const instance of instances) await instance.close();
    await database.drop();
  }
}
