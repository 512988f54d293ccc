import { createServer } from 'node:http';

/**
 * The fastest model server there can be: an OpenAI-compatible `POST /v1/chat/completions` that reads
 * the request and answers one fixed, small completion with a `usage` object, or, when the request
 * says `"stream": true`, the same as a server-sent event stream (three content chunks, a usage chunk
 * when asked, `[DONE]`), written at once. Started as its own process by the bench, on the PORT and
 * HOST it is given.
 */

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! How can I help you today?' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
});
const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) };

const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const streamBody = [chunk({ role: 'assistant', content: 'Hello!' }, null), chunk({ content: ' How can I help' }, null), chunk({ content: ' you today?' }, 'stop')].join('');
const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 } })}\n\n`;
const streamHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

createServer((request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (part: string) => (body += part));
  request.once('end', () => {
    if (request.method === 'POST' && request.url === '/v1/chat/completions') {
      // Not parsed: a request of the bench either says it streams or does not.
      if (/"stream"\s*:\s*true/.test(body)) {
        response.writeHead(200, streamHeaders);
        response.end(`${streamBody}${/"include_usage"\s*:\s*true/.test(body) ? usageChunk : ''}data: [DONE]\n\n`);
        return;
      }
      response.writeHead(200, headers);
      response.end(completion);
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"not found"}}');
    }
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
