import { createServer } from 'node:http';

/**
 * The fastest model server there can be: an OpenAI-compatible `POST /v1/chat/completions` that reads
 * the request and answers one fixed, small completion with a `usage` object. Started as its own
 * process by the bench, on the PORT and HOST it is given.
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

createServer((request, response) => {
  request.resume();
  request.once('end', () => {
    if (request.method === 'POST' && request.url === '/v1/chat/completions') {
      response.writeHead(200, headers);
      response.end(completion);
    } else {
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"not found"}}');
    }
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
