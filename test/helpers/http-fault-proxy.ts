import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy between a worker and the server that spoils the worker's file downloads
 * (`GET /v1/workers/jobs/{job}/files/{file}/content`) as a flaky network or gateway would: per file,
 * a queue of faults for its next downloads ('502': a gateway error; 'cut': the server's headers and
 * the first bytes, then the connection closed), or 'always' 502. The next result uploads
 * (`POST .../result_files`) can be answered 502 too, before the server sees them. Everything else is
 * relayed as it is.
 */
export type DownloadFault = '502' | 'cut';

export interface HttpFaultProxy {
  url: string;
  /** The faults for the next downloads of a file, in order; 'always': every download of it fails. */
  spoil(fileId: string, faults: DownloadFault[] | 'always'): void;
  /** The next `count` result uploads are answered 502 without reaching the server. */
  spoilUploads(count: number): void;
  /** How many result uploads were sent (spoiled ones included). */
  uploads(): number;
  /** How many times each file was asked for. */
  downloads(fileId: string): number;
  close(): Promise<void>;
}

const DOWNLOAD = /^\/v1\/workers\/jobs\/[^/]+\/files\/([^/?]+)\/content/;
const UPLOAD = /^\/v1\/workers\/jobs\/[^/]+\/result_files/;

export async function startHttpFaultProxy(target: string): Promise<HttpFaultProxy> {
  const targetUrl = new URL(target);
  const faults = new Map<string, DownloadFault[] | 'always'>();
  const counts = new Map<string, number>();
  let uploadsToSpoil = 0;
  let uploads = 0;
  const server = createServer((req, res) => {
    const fileId = DOWNLOAD.exec(req.url ?? '')?.[1];
    let fault: DownloadFault | undefined;
    if (fileId) {
      counts.set(fileId, (counts.get(fileId) ?? 0) + 1);
      const planned = faults.get(fileId);
      fault = planned === 'always' ? '502' : planned?.shift();
    }
    if (req.method === 'POST' && UPLOAD.test(req.url ?? '')) {
      uploads += 1;
      if (uploadsToSpoil > 0) {
        uploadsToSpoil -= 1;
        fault = '502';
      }
    }
    if (fault === '502') {
      req.resume();
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'Bad gateway (test proxy)', type: 'api_error', param: null, code: null } }));
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers, host: targetUrl.host };
    const upstream = request({ host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (fault !== 'cut') {
        answer.pipe(res);
        return;
      }
      answer.once('data', (chunk: Buffer) => {
        answer.destroy();
        res.write(chunk.subarray(0, Math.min(10, chunk.length - 1)), () => res.socket?.destroy());
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spoil: (fileId, planned) => void faults.set(fileId, planned === 'always' ? planned : [...planned]),
    downloads: (fileId) => counts.get(fileId) ?? 0,
    spoilUploads: (count) => void (uploadsToSpoil = count),
    uploads: () => uploads,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
