import { mkdirSync, readFileSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What `tenantry login` and `tenantry use` keep between commands. */
export interface StoredCredentials {
  url?: string;
  session_token?: string;
  email?: string;
  organization_id?: string;
  project_id?: string;
}

export function credentialsPath(): string {
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'tenantry', 'credentials.json');
}

export function readCredentials(): StoredCredentials {
  try {
    return JSON.parse(readFileSync(credentialsPath(), 'utf8')) as StoredCredentials;
  } catch {
    return {};
  }
}

/** Written readable by its owner only (0600): it holds a session token. */
export function writeCredentials(credentials: StoredCredentials): void {
  const path = credentialsPath();
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function forgetCredentials(): void {
  rmSync(credentialsPath(), { force: true });
}

/** The server and the token to use: TENANTRY_URL and TENANTRY_API_KEY override the file. */
export function resolveConnection(): { url: string; token: string | undefined; stored: StoredCredentials } {
  const stored = readCredentials();
  const url = (process.env.TENANTRY_URL || stored.url || 'http://localhost:8080').replace(/\/$/, '');
  const token = process.env.TENANTRY_API_KEY || stored.session_token;
  return { url, token, stored };
}
