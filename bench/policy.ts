import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Permission } from '../src/access/permissions.ts';
import { can, type AccessSnapshot, type Target } from '../src/access/policy.ts';
import { loadConfig } from '../src/config.ts';
import { createTenantry } from '../src/server.ts';
import type { Principal } from '../src/access/principal.ts';
import type { MembershipGrant } from '../src/access/membership-grant.ts';
import { watchCpu } from './cpu.ts';

/**
 * Authorization cost without HTTP: the pure policy, then the cached path a request takes through
 * the authorizer. Both run in this process, before any server is started, so nothing else competes
 * for the cores.
 */

export interface PolicyFigures {
  decisionsPerSecond: number;
  decisions: number;
  /** Share of the decisions that allowed, to show the mix exercised both answers. */
  allowedShare: number;
  cases: number;
  grants: number;
  /** Other programs' CPU meanwhile, % of one core. */
  otherCpuPercent: number | null;
}

export interface AuthorizerFigures {
  callsPerSecond: number;
  calls: number;
  otherCpuPercent: number | null;
}

const ORGANIZATION_ID = 'org_bench';
const GRANTED_PROJECTS = ['proj_a', 'proj_b', 'proj_c', 'proj_d', 'proj_e'];
/** Projects no project group names: reached only through the organization group, or not at all. */
const OTHER_PROJECTS = ['proj_x', 'proj_y', 'proj_z'];

const PROJECT_PERMISSIONS: Permission[] = [
  'project.read',
  'project.write',
  'project.access.read',
  'api_keys.write',
  'files.read',
  'endpoints.write',
  'rate_limits.write',
  'inference.invoke',
];
const ORGANIZATION_PERMISSIONS: Permission[] = ['organization.read', 'organization.write', 'members.read', 'usage.read'];

/**
 * A user who views the whole organization through one organization group and holds five project
 * groups: admin, member and viewer roles, one grant expiring in an hour and one already lapsed, so
 * the policy walks every branch (expiry, scope match, role lookup) rather than the first grant.
 */
export function sampleSnapshot(now: number): AccessSnapshot {
  const roles = ['admin', 'member', 'viewer', 'member', 'admin'];
  const expiries = [null, null, now + 3600, null, now - 60];
  const grants: MembershipGrant[] = [
    { group_id: 'grp_org', group_name: 'viewers', scope: { type: 'organization', id: ORGANIZATION_ID }, role: 'viewer', custom_role: null, expires_at: null },
    ...GRANTED_PROJECTS.map((projectId, i) => ({
      group_id: `grp_${projectId}`,
      group_name: 'team',
      scope: { type: 'project' as const, id: projectId },
      role: roles[i]!,
      custom_role: null,
      expires_at: expiries[i]!,
    })),
  ];
  return { organizationId: ORGANIZATION_ID, member: true, grants };
}

/** Every project permission on every project, plus organization permissions on the organization. */
export function sampleCases(): { permission: Permission; target: Target }[] {
  const cases: { permission: Permission; target: Target }[] = [];
  for (const projectId of [...GRANTED_PROJECTS, ...OTHER_PROJECTS]) {
    for (const permission of PROJECT_PERMISSIONS) cases.push({ permission, target: { type: 'project', projectId } });
  }
  for (const permission of ORGANIZATION_PERMISSIONS) cases.push({ permission, target: { type: 'organization' } });
  return cases;
}

export function measurePolicy(seconds: number): PolicyFigures {
  const now = Math.floor(Date.now() / 1000);
  const snapshot = sampleSnapshot(now);
  const cases = sampleCases();
  // A short untimed pass lets V8 optimise `can` before the clock starts.
  decide(snapshot, cases, now, 0.3);
  const stopWatching = watchCpu();
  const { decisions, allowed, elapsedSeconds } = decide(snapshot, cases, now, seconds);
  const { otherPercent } = stopWatching();
  return {
    decisionsPerSecond: decisions / elapsedSeconds,
    decisions,
    allowedShare: allowed / decisions,
    cases: cases.length,
    grants: snapshot.grants.length,
    otherCpuPercent: otherPercent,
  };
}

/**
 * Runs the cases round and round for about `seconds`. The clock is read once per pass over all
 * cases, and the allowed count is kept and returned, so the loop cannot be optimised away.
 */
function decide(snapshot: AccessSnapshot, cases: { permission: Permission; target: Target }[], now: number, seconds: number) {
  const PASSES_PER_CLOCK_READ = 1000;
  let decisions = 0;
  let allowed = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let elapsed = 0;
  do {
    for (let pass = 0; pass < PASSES_PER_CLOCK_READ; pass++) {
      for (let i = 0; i < cases.length; i++) {
        const c = cases[i]!;
        if (can(snapshot, c.permission, c.target, now)) allowed++;
      }
    }
    decisions += PASSES_PER_CLOCK_READ * cases.length;
    elapsed = performance.now();
  } while (elapsed < deadline);
  return { decisions, allowed, elapsedSeconds: (elapsed - started) / 1000 };
}

/**
 * `authorizer.project(principal, projectId, 'project.read')` with warm caches: the work a request
 * does to authorize after its session is resolved, minus HTTP. Uses a throwaway SQLite database.
 */
export async function measureAuthorizer(seconds: number): Promise<AuthorizerFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-bench-authz-'));
  const config = loadConfig({ TENANTRY_SECRET: 'bench', TENANTRY_DATA_DIR: dir, DATABASE_URL: `sqlite:${join(dir, 'authz.db')}` });
  const tenantry = await createTenantry(config, { logLevel: 'silent' });
  try {
    const signup = await tenantry.app.inject({
      method: 'POST',
      url: '/v1/auth/signup',
      payload: { email: 'authz@bench.test', password: 'correct horse battery', name: 'Bench' },
    });
    if (signup.statusCode !== 201) throw new Error(`authorizer bench: signup answered ${signup.statusCode}: ${signup.body}`);
    const { session_token: token, project } = signup.json() as { session_token: string; project: { id: string } };
    const { session, user } = await tenantry.services.sessions.authenticate(token);
    const principal: Principal = { type: 'user', id: user.id, credential: { kind: 'session', sessionId: session.id }, ip: '127.0.0.1' };
    const authorize = () => tenantry.services.authorizer.project(principal, project.id, 'projects.get');
    const first = await authorize();
    if (first.project.id !== project.id) throw new Error('authorizer bench: the authorizer answered another project');
    await repeat(authorize, 0.3);
    return repeat(authorize, seconds);
  } finally {
    await tenantry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function repeat(call: () => Promise<unknown>, seconds: number): Promise<AuthorizerFigures> {
  const CALLS_PER_CLOCK_READ = 1000;
  let calls = 0;
  const stopWatching = watchCpu();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let now = started;
  do {
    for (let i = 0; i < CALLS_PER_CLOCK_READ; i++) await call();
    calls += CALLS_PER_CLOCK_READ;
    now = performance.now();
  } while (now < deadline);
  return { callsPerSecond: calls / ((now - started) / 1000), calls, otherCpuPercent: stopWatching().otherPercent };
}
