import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** A job as the server hands it to a worker: the API's job object and the files to fetch. */
export interface ClaimedJob {
  job: Record<string, unknown> & { id: string; suffix: string | null };
  files: Array<{ id: string; filename: string; role: 'training' | 'validation' }>;
}

export class ServerRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** The worker's side of the worker protocol, over HTTP. */
export function workerClient(options: { baseUrl: string; token: string; workerId: string; leaseSeconds: number }) {
  const base = options.baseUrl.replace(/\/$/, '');
  const headers = { authorization: `Bearer ${options.token}`, 'x-worker-id': options.workerId };

  async function call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status >= 400) {
      const payload = (await response.json().catch(() => ({}))) as { error?: { message?: string; code?: string } };
      throw new ServerRefusal(response.status, payload.error?.code ?? null, payload.error?.message ?? `HTTP ${response.status}`);
    }
    return response;
  }

  return {
    async claim(): Promise<ClaimedJob | undefined> {
      const response = await call('POST', '/v1/workers/claim', { lease_seconds: options.leaseSeconds });
      return response.status === 204 ? undefined : ((await response.json()) as ClaimedJob);
    },

    async heartbeat(jobId: string): Promise<'running' | 'cancelled'> {
      const response = await call('POST', `/v1/workers/jobs/${jobId}/heartbeat`, { lease_seconds: options.leaseSeconds });
      return ((await response.json()) as { status: 'running' | 'cancelled' }).status;
    },

    async download(jobId: string, fileId: string, destination: string): Promise<void> {
      const response = await call('GET', `/v1/workers/jobs/${jobId}/files/${fileId}/content`);
      // A body cut short fails the pipeline (fetch checks it against content-length), so a retry
      // starts over; the file is training data: 0600.
      await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream), createWriteStream(destination, { mode: 0o600 }));
    },

    async report(jobId: string, lines: unknown[]): Promise<void> {
      await call('POST', `/v1/workers/jobs/${jobId}/events`, { lines });
    },

    async uploadResult(jobId: string, path: string, name: string): Promise<void> {
      const form = new FormData();
      form.append('file', new Blob([await readFile(path)]), name);
      const response = await fetch(`${base}/v1/workers/jobs/${jobId}/result_files?path=${encodeURIComponent(name)}`, { method: 'POST', headers, body: form });
      if (response.status >= 400) throw new ServerRefusal(response.status, null, `result upload failed: HTTP ${response.status}`);
    },

    async complete(jobId: string, outcome: { status: 'succeeded' | 'failed'; message?: string }): Promise<void> {
      await call('POST', `/v1/workers/jobs/${jobId}/complete`, outcome);
    },
  };
}

export type WorkerClient = ReturnType<typeof workerClient>;
