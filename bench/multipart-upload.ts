import { once } from 'node:events';
import { request } from 'node:http';

/**
 * A multipart/form-data POST whose file part is streamed from a generator, with Content-Length
 * known in advance: the envelope is written around the chunks, with backpressure, so neither side
 * of the bench needs the file in memory.
 */

export interface MultipartUpload {
  url: string;
  token: string;
  /** Plain fields, sent before the file, in order. */
  fields: Array<[string, string]>;
  file: { field: string; filename: string; contentType: string; bytes: number; chunks: Iterable<Buffer> };
}

export interface UploadAnswer {
  status: number;
  body: any;
  /** From the first byte written to the last byte of the answer. */
  elapsedMs: number;
  /** Until the last byte of the request was handed to the socket. */
  sentMs: number;
}

export async function uploadMultipart(upload: MultipartUpload): Promise<UploadAnswer> {
  const boundary = `----tenantry-bench-${Date.now().toString(36)}`;
  const head = Buffer.from(
    upload.fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="${upload.file.field}"; filename="${upload.file.filename}"\r\nContent-Type: ${upload.file.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const { hostname, port, pathname, search } = new URL(upload.url);
  const started = performance.now();
  const req = request({
    hostname,
    port,
    path: pathname + search,
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${upload.token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + upload.file.bytes + tail.length),
    },
  });
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.once('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.once('error', reject);
      res.once('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: keep the text, the caller reports it.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.once('error', reject);
  });
  // A server that refuses early (413, 400) answers before the body is done: stop writing then.
  let answered = false;
  void answer.then(() => (answered = true), () => (answered = true));
  let sent = 0;
  const write = async (chunk: Buffer) => {
    if (!req.write(chunk)) await Promise.race([once(req, 'drain'), answer]);
  };
  await write(head);
  for (const chunk of upload.file.chunks) {
    if (answered || req.destroyed) break;
    await write(chunk);
    sent += chunk.length;
  }
  if (sent !== upload.file.bytes && !answered) throw new Error(`the file's chunks held ${sent} bytes, not ${upload.file.bytes}`);
  if (!answered) req.end(tail);
  const sentMs = performance.now() - started;
  const { status, body } = await answer;
  return { status, body, elapsedMs: performance.now() - started, sentMs };
}
