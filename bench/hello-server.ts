import { createServer } from 'node:http';

/**
 * The baseline: the least a Node HTTP server can do per request. Started as its own process by the
 * bench, on the PORT and HOST it is given, so it runs under the same conditions as Tenantry.
 */

const body = JSON.stringify({ hello: 'world' });
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };

createServer((_request, response) => {
  response.writeHead(200, headers);
  response.end(body);
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
