import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigFile } from '../../src/config.ts';

/**
 * The server as a real child process (`bin/tenantry.js serve`), for tests that kill it without warning
 * and start it again on the same database and data folder. Its stdout and stderr are kept in memory.
 */

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'tenantry.js');

/** Generous throttles: these tests sign up and log in many times from one address. */
const TEST_AUTH = { max_failed_logins_per_email: 1000, max_failed_logins_per_ip: 1000, max_signups_per_ip_per_hour: 10000 };

export interface ServerProcessOptions {
  dataDir: string;
  /** `sqlite:<path>` or `postgres://...`; empty: the SQLite file in the data folder. */
  databaseUrl?: string;
  /** A fixed port, so that a restarted server answers where clients (a worker) already point. */
  port?: number;
  config?: ConfigFile;
  env?: NodeJS.ProcessEnv;
  logLevel?: string;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the process wrote on stdout and stderr so far. */
  output(): string;
  /** `kill -9`, then waits for the process to be gone. */
  kill(): Promise<void>;
  /** SIGTERM (a graceful stop), then waits for the process to be gone. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  // Outside the data folder, which then holds only what the server writes.
  const configPath = join(mkdtempSync(join(tmpdir(), 'tenantry-config-')), 'config.json');
  writeFileSync(configPath, JSON.stringify({ auth: TEST_AUTH, ...options.config }));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      PORT: String(options.port ?? 0),
      HOST: '127.0.0.1',
      TENANTRY_DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl ?? '',
      TENANTRY_CONFIG: configPath,
      LOG_LEVEL: options.logLevel ?? 'info',
      TENANTRY_SECRET: 'crash-test',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code, signal) => reject(new Error(`the server exited (${code ?? signal}) before listening:\n${output}`)));
  });
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    url,
    port: Number(new URL(url).port),
    output: () => output,
    async kill() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (!gone()) child.kill('SIGTERM');
      await exited;
    },
  };
}
