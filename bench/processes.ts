import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Child server processes: each server under test runs in a process of its own, so its CPU time can be
 * read from /proc (see cpu.ts) and the load generator (in the bench's process) does not share its
 * event loop.
 * Every child started here is killed by stopAll(), and by an exit hook if the bench dies first.
 */

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
}

const running = new Set<ChildProcess>();
/** Children the bench asked to stop: their exit is expected. */
const stopping = new WeakSet<ChildProcess>();
const OUTPUT_TAIL_CHARS = 4000;
const READY_TIMEOUT_MS = 30_000;

// Last resort: a crash or an uncaught error must not leave servers holding ports and CPU.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15]] as const) {
  process.once(signal, () => {
    for (const child of running) child.kill('SIGKILL');
    process.exit(128 + number);
  });
}

/** A port nothing listens on right now (the OS picks it; a race with another program is unlikely). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Starts `node <args>` in `cwd` with PORT and HOST set, and waits until it answers HTTP. */
export async function startServer(name: string, args: string[], env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  return startServerOn(name, await freePort(), args, env, cwd);
}

/** The same on a port chosen beforehand: for a server told its port on its command line (Portkey). */
export async function startServerOn(name: string, port: number, args: string[], env: Record<string, string>, cwd: string): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  // The pipes are drained whatever the log volume, so a chatty server never blocks on a full pipe.
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', (code, signal) => {
    running.delete(child);
    // A server that dies mid-measurement shows up as a socket error in the bench: say why here.
    if (!stopping.has(child)) process.stderr.write(`${name} (pid ${child.pid}) exited unexpectedly (${code ?? signal})\n--- its output ---\n${output}\n`);
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start node ${args.join(' ')}`);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(child, port);
  } catch (error) {
    stopping.add(child);
    child.kill('SIGKILL');
    throw new Error(`${name} did not start: ${(error as Error).message}\n--- its output ---\n${output}`);
  }
  return { name, pid: child.pid, port, url, child };
}

async function waitUntilAnswering(child: ChildProcess, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`);
    if (await answers(port)) return;
    await sleep(100);
  }
  throw new Error(`no answer on port ${port} within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Any HTTP answer (even a 404) means the server is listening. */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent: false }, (res) => {
      res.resume();
      res.once('end', () => resolve(true));
    });
    req.once('error', () => resolve(false));
    req.end();
  });
}

/** Stops one server: SIGTERM for a clean shutdown, SIGKILL if it takes longer than `graceMs`. */
export function stopServer(server: ServerProcess, graceMs = 3000): Promise<void> {
  return stopChild(server.child, graceMs);
}

/** Stops every child still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child, 3000)));
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
