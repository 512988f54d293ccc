import { createReadStream, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApiError } from './api.ts';
import type { ErrorBody, FileObject } from '../../http/schemas/api-types.ts';

/**
 * Streams a file to POST /v1/files as multipart/form-data, reporting progress as it goes. The file is
 * never read whole into memory.
 */
export async function uploadFile(options: {
  url: string;
  token: string | undefined;
  project: string;
  path: string;
  purpose: string;
  onProgress: (sent: number, total: number) => void;
}): Promise<FileObject> {
  const size = statSync(options.path).size;
  const boundary = `tenantry${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${options.purpose}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(options.path).replace(/"/g, '_')}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const target = new URL(`${options.url}/v1/files`);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: {
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
          'openai-project': options.project,
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          const body = JSON.parse(text || '{}') as FileObject | ErrorBody;
          if ('error' in body || (response.statusCode ?? 500) >= 400) {
            const error = 'error' in body ? body.error : undefined;
            reject(new ApiError(response.statusCode ?? 500, error?.message ?? `HTTP ${response.statusCode}`, error?.param ?? null));
          } else resolve(body);
        });
      },
    );
    req.on('error', (error) => reject(new ApiError(0, `cannot reach ${options.url}: ${error.message}`, null)));
    req.write(head);
    let sent = 0;
    const file = createReadStream(options.path);
    file.on('data', (chunk) => {
      sent += chunk.length;
      options.onProgress(sent, size);
      if (!req.write(chunk)) {
        file.pause();
        req.once('drain', () => file.resume());
      }
    });
    file.on('end', () => req.end(tail));
    file.on('error', reject);
  });
}

/** A one-line progress bar on stderr. */
export function progressBar(label: string): (sent: number, total: number) => void {
  let last = -1;
  return (sent, total) => {
    const percent = total === 0 ? 100 : Math.floor((sent / total) * 100);
    if (percent === last) return;
    last = percent;
    const filled = Math.round(percent / 5);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${String(percent).padStart(3)}% ${sent}/${total} bytes`);
    if (sent >= total) process.stderr.write('\n');
  };
}
