import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigFile } from '../src/config.ts';
import { ROOT } from './context.ts';
import { freePort, startServer, startServerOn, type ServerProcess } from './processes.ts';

/** The server processes the bench measures, each started in a child process of its own (processes.ts). */

/** The baseline: a node:http hello world. */
export function startHello(): Promise<ServerProcess> {
  return startServer('hello', ['--import', 'tsx', join(ROOT, 'bench/hello-server.ts')], {}, ROOT);
}

export interface TenantryServerOptions {
  /** A fresh folder: the SQLite file, the stored files and the configuration file go there. */
  dataDir: string;
  databaseUrl: string;
  /** Written to `<dataDir>/config.json` and named by TENANTRY_CONFIG. */
  config?: ConfigFile;
  env?: Record<string, string>;
}

/** `node bin/tenantry.js serve`, as an operator starts it, logging warnings only. */
export function startTenantryServer(options: TenantryServerOptions): Promise<ServerProcess> {
  const env: Record<string, string> = {
    // Nothing from the bench's own environment: in-memory rate-limit counters, no configuration file
    // but the bench's, every region served.
    REDIS_URL: '',
    TENANTRY_CONFIG: '',
    TENANTRY_REGION: '',
    TENANTRY_DATA_DIR: options.dataDir,
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'warn',
    // As operators run it: answers are not checked against their schemas (http.validate_responses).
    NODE_ENV: 'production',
    TENANTRY_SECRET: 'bench',
    ...options.env,
  };
  if (options.config) {
    const path = join(options.dataDir, 'config.json');
    writeFileSync(path, JSON.stringify(options.config, null, 2) + '\n');
    env.TENANTRY_CONFIG = path;
  }
  return startServer('tenantry', [join(ROOT, 'bin/tenantry.js'), 'serve'], env, ROOT);
}

/** A minimal OpenAI-compatible model server answering every chat completion at once (upstream-server.ts). */
export function startUpstream(): Promise<ServerProcess> {
  return startServer('upstream', ['--import', 'tsx', join(ROOT, 'bench/upstream-server.ts')], {}, ROOT);
}

/** A bare node:http pass-through proxy in front of `upstreamUrl` (proxy-server.ts). */
export function startProxy(upstreamUrl: string): Promise<ServerProcess> {
  return startServer('proxy', ['--import', 'tsx', join(ROOT, 'bench/proxy-server.ts')], { UPSTREAM_URL: upstreamUrl }, ROOT);
}

/**
 * The open-source Portkey AI gateway (`@portkey-ai/gateway`, a dev dependency), headless (no log UI),
 * as its README starts it, with portkey-preload.mjs (which lets it stream on Node 20). It is told per
 * request where to go: `portkeyHeaders(upstreamUrl)`.
 */
export async function startPortkey(): Promise<ServerProcess> {
  const port = await freePort();
  const args = ['--import', join(ROOT, 'bench/portkey-preload.mjs'), join(ROOT, 'node_modules/@portkey-ai/gateway/build/start-server.js'), `--port=${port}`, '--headless'];
  return startServerOn('portkey', port, args, { NODE_ENV: 'production' }, ROOT);
}

/** Portkey routes by headers: the OpenAI provider at a custom host (the bench's upstream). */
export function portkeyHeaders(upstreamUrl: string): Record<string, string> {
  return { 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${upstreamUrl}/v1` };
}
