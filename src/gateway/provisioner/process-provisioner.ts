import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgsStringToArgv } from 'string-argv';
import type { ReplicaAddress } from '../../store/endpoint-replicas.ts';
import type { EndpointRecord } from '../../store/endpoints.ts';
import type { AdapterSource, EndpointTemplate, Provisioner, ReplicaLease, ReplicasListener, StatusListener } from './provisioner.ts';

/** Runs each replica's command and stops it when this server is gone (see replica-keeper.mjs). */
const KEEPER = fileURLToPath(new URL('./replica-keeper.mjs', import.meta.url));

interface Replica {
  port: number;
  /** The keeper process; the replica's own pid is `pid`, once the keeper has said it. */
  child: ChildProcess | undefined;
  pid: number | undefined;
  healthy: boolean;
  stopping: boolean;
  restarts: number;
  inFlight: number;
}

interface Deployment {
  endpoint: EndpointRecord;
  template: EndpointTemplate;
  adapter: AdapterSource | undefined;
  replicas: Replica[];
  next: number;
  busySince: number | undefined;
  quietSince: number;
  /** The replica addresses last reported, so that only changes are. */
  reported: string;
}

export interface ProcessProvisionerOptions {
  onStatus: StatusListener;
  /** Told where an endpoint's replicas answer whenever that changes (a replica ready, gone, added). */
  onReplicas?: ReplicasListener;
  log: (message: string, fields?: Record<string, unknown>) => void;
  /** How long in-flight requests must stay above target before a replica is added. */
  scaleUpAfterMs?: number;
  /** How long an endpoint must be idle before a replica above the minimum is removed. */
  quietPeriodMs?: number;
  healthPollMs?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The template's command split into arguments first, then `{port}`, `{model}` and, for an endpoint
 * deployed from a fine-tuned model, `{adapter}` and `{adapter_name}` filled in: never a shell.
 */
export function commandFor(template: EndpointTemplate, port: number, adapter?: AdapterSource): string[] {
  const values: Record<string, string> = { port: String(port), model: template.model_name, ...(adapter ? { adapter: adapter.path, adapter_name: adapter.name } : {}) };
  // One pass, so a value that happens to hold `{port}` is never filled again.
  return parseArgsStringToArgv(template.command).map((arg) => arg.replace(/\{(port|model|adapter|adapter_name)\}/g, (whole, key: string) => values[key] ?? whole));
}

/**
 * Runs each replica as a local process: waits until it answers GET /v1/models, restarts one that
 * crashes (with backoff), adds a replica while in-flight requests per replica stay above the
 * template's target, and removes one after a quiet period, within the endpoint's scaling bounds.
 */
export function processProvisioner(options: ProcessProvisionerOptions): Provisioner {
  const deployments = new Map<string, Deployment>();
  const scaleUpAfterMs = options.scaleUpAfterMs ?? 3_000;
  const quietPeriodMs = options.quietPeriodMs ?? 60_000;
  const healthPollMs = options.healthPollMs ?? 200;
  let closed = false;

  const healthyCount = (d: Deployment) => d.replicas.filter((r) => r.healthy).length;
  /** For work started from a timer or an event: nothing awaits it, so its failure is logged here. */
  const logFailure = (what: string, d: Deployment) => (error: unknown) =>
    options.log(what, { endpoint: d.endpoint.id, error: (error as Error)?.message ?? String(error) });

  const addressesOf = (d: Deployment): ReplicaAddress[] =>
    d.replicas.filter((r) => !r.stopping && r.port > 0).map((r) => ({ url: `http://127.0.0.1:${r.port}/v1`, healthy: r.healthy }));

  /** Tells the listener where the endpoint's replicas answer, when that changed. */
  function reportReplicas(d: Deployment): void {
    if (deployments.get(d.endpoint.id) !== d || closed) return;
    const addresses = addressesOf(d);
    const text = JSON.stringify(addresses);
    if (text === d.reported) return;
    d.reported = text;
    options.onReplicas?.(d.endpoint.id, addresses);
  }

  function reportStatus(d: Deployment): void {
    if (!d.endpoint.enabled) return options.onStatus(d.endpoint.id, 'stopped');
    options.onStatus(d.endpoint.id, healthyCount(d) > 0 ? 'running' : 'provisioning');
  }

  async function waitHealthy(d: Deployment, replica: Replica): Promise<void> {
    while (!replica.stopping && !closed && replica.child && replica.child.exitCode === null) {
      try {
        const response = await fetch(`http://127.0.0.1:${replica.port}/v1/models`, { signal: AbortSignal.timeout(2000) });
        await response.body?.cancel();
        if (response.ok) {
          replica.healthy = true;
          replica.restarts = 0;
          options.log('replica ready', { endpoint: d.endpoint.id, port: replica.port });
          reportStatus(d);
          reportReplicas(d);
          return;
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, healthPollMs));
    }
  }

  async function launch(d: Deployment, replica: Replica): Promise<void> {
    replica.port = await freePort();
    const command = commandFor(d.template, replica.port, d.adapter);
    // Its own process group (detached), so that a forced stop reaches the replica through its keeper.
    const child = spawn(process.execPath, [KEEPER, ...command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    replica.child = child;
    replica.pid = undefined;
    replica.healthy = false;
    // stdin stays open and unwritten: its closing is how the keeper learns this server is gone.
    child.stdin?.on('error', () => {});
    child.stderr?.on('data', () => {});
    let said = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      const match = /^pid (\d+)\n/.exec(said);
      if (match && replica.child === child) replica.pid = Number(match[1]);
    });
    child.once('error', (error) => options.log('replica could not start', { endpoint: d.endpoint.id, error: error.message }));
    child.once('exit', (code, signal) => {
      const wasHealthy = replica.healthy;
      replica.healthy = false;
      if (replica.stopping || closed) return;
      if (wasHealthy) reportReplicas(d);
      // A crash: restart with backoff, so a replica that dies at once does not spin.
      replica.restarts += 1;
      const delay = Math.min(30_000, 250 * 2 ** Math.min(replica.restarts, 7));
      options.log('replica exited; restarting', { endpoint: d.endpoint.id, code, signal, delay_ms: delay });
      reportStatus(d);
      setTimeout(() => {
        if (!replica.stopping && !closed && deployments.get(d.endpoint.id) === d) launch(d, replica).catch(logFailure('replica could not restart', d));
      }, delay).unref();
    });
    await waitHealthy(d, replica);
  }

  function addReplica(d: Deployment): void {
    const replica: Replica = { port: 0, child: undefined, pid: undefined, healthy: false, stopping: false, restarts: 0, inFlight: 0 };
    d.replicas.push(replica);
    launch(d, replica).catch(logFailure('replica could not start', d));
  }

  async function stopReplica(replica: Replica): Promise<void> {
    replica.stopping = true;
    replica.healthy = false;
    const child = replica.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => killGroup(child), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  /** The keeper and the replica under it, at once. */
  function killGroup(child: ChildProcess): void {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }

  /** Stops one replica and forgets it once stopped; routers hear of it before it stops. */
  function retire(d: Deployment, replica: Replica): Promise<void> {
    const stopped = stopReplica(replica).then(() => {
      d.replicas = d.replicas.filter((r) => r !== replica);
    });
    reportReplicas(d);
    return stopped;
  }

  const autoscaler = setInterval(() => {
    const now = Date.now();
    for (const d of deployments.values()) {
      if (!d.endpoint.enabled) continue;
      const live = d.replicas.filter((r) => !r.stopping);
      const inFlight = live.reduce((sum, r) => sum + r.inFlight, 0);
      const target = d.template.target_in_flight;
      const healthy = healthyCount(d);
      if (healthy > 0 && inFlight / healthy > target) {
        d.busySince ??= now;
        if (now - d.busySince >= scaleUpAfterMs && live.length < d.endpoint.scaling.max_replicas) {
          options.log('scaling up', { endpoint: d.endpoint.id, replicas: live.length + 1 });
          addReplica(d);
          d.busySince = undefined;
        }
      } else {
        d.busySince = undefined;
      }
      if (inFlight > 0) d.quietSince = now;
      else if (now - d.quietSince >= quietPeriodMs && live.length > d.endpoint.scaling.min_replicas) {
        const victim = live.at(-1)!;
        options.log('scaling down', { endpoint: d.endpoint.id, replicas: live.length - 1 });
        retire(d, victim).catch(logFailure('replica could not be stopped', d));
        d.quietSince = now;
      }
    }
  }, 500);
  autoscaler.unref();

  return {
    apply(endpoint, template, adapter) {
      // A change heard while the server stops must not start what close() has just stopped.
      if (closed) return;
      let d = deployments.get(endpoint.id);
      if (!d) {
        d = { endpoint, template, adapter, replicas: [], next: 0, busySince: undefined, quietSince: Date.now(), reported: '[]' };
        deployments.set(endpoint.id, d);
      }
      d.endpoint = endpoint;
      d.template = template;
      d.adapter = adapter;
      const deployment = d;
      if (!endpoint.enabled) {
        // Forget only these replicas once stopped: the endpoint may be enabled again meanwhile.
        const stopping = [...deployment.replicas];
        Promise.all(stopping.map(stopReplica))
          .then(() => {
            deployment.replicas = deployment.replicas.filter((r) => !stopping.includes(r));
            reportStatus(deployment);
          })
          .catch(logFailure('replicas could not be stopped', deployment));
        reportReplicas(deployment);
        return;
      }
      const live = deployment.replicas.filter((r) => !r.stopping);
      for (let i = live.length; i < endpoint.scaling.min_replicas; i += 1) addReplica(deployment);
      for (const extra of live.slice(endpoint.scaling.max_replicas)) retire(deployment, extra).catch(logFailure('replica could not be stopped', deployment));
      reportStatus(deployment);
    },

    async remove(endpointId) {
      const d = deployments.get(endpointId);
      if (!d) return;
      deployments.delete(endpointId);
      for (const replica of d.replicas) replica.stopping = true;
      if (d.reported !== '[]') options.onReplicas?.(endpointId, []);
      await Promise.all(d.replicas.map(stopReplica));
    },

    acquire(endpointId) {
      const d = deployments.get(endpointId);
      if (!d) return undefined;
      const healthy = d.replicas.filter((r) => r.healthy && !r.stopping);
      if (healthy.length === 0) return undefined;
      const replica = healthy[d.next % healthy.length]!;
      d.next += 1;
      replica.inFlight += 1;
      let released = false;
      const lease: ReplicaLease = {
        url: `http://127.0.0.1:${replica.port}/v1`,
        release: () => {
          if (released) return;
          released = true;
          replica.inFlight -= 1;
        },
      };
      return lease;
    },

    describe(endpointId) {
      const d = deployments.get(endpointId);
      if (!d) return undefined;
      const live = d.replicas.filter((r) => !r.stopping);
      return { replicas: live.length, healthy: live.filter((r) => r.healthy).length, pids: live.map((r) => r.pid ?? 0).filter(Boolean), addresses: addressesOf(d) };
    },

    running: () => [...deployments.keys()],

    async close() {
      closed = true;
      clearInterval(autoscaler);
      await Promise.all([...deployments.values()].flatMap((d) => d.replicas.map(stopReplica)));
      deployments.clear();
    },
  };
}
