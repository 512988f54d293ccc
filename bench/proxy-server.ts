import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';

/**
 * The baseline for the gateway: a pass-through proxy with no features. It forwards each request to
 * UPSTREAM_URL over kept-alive connections and pipes the answer back; no authentication, no rate
 * limit, no metering, no parsing. Started as its own process by the bench.
 */

const upstream = new URL(process.env.UPSTREAM_URL ?? '');
const agent = new Agent({ keepAlive: true });
/** Hop-by-hop headers belong to one connection, not to the message. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name)) kept[name] = value;
  return kept;
}

createServer((clientRequest, clientResponse) => {
  const forwarded = request(
    { hostname: upstream.hostname, port: upstream.port, path: clientRequest.url, method: clientRequest.method, headers: endToEnd(clientRequest.headers), agent },
    (answer) => {
      clientResponse.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
      answer.pipe(clientResponse);
    },
  );
  forwarded.once('error', () => {
    if (!clientResponse.headersSent) clientResponse.writeHead(502);
    clientResponse.end();
  });
  clientRequest.pipe(forwarded);
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
