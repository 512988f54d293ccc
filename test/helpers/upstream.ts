import { createServer, type IncomingMessage, type Server } from 'node:http';

/**
 * A small OpenAI-compatible model server for tests. Models named `slow` answer late, `broken` answer
 * 500, `endless` stream until the client goes away, `held` stream their first word and then wait
 * until the test calls `releaseHeld()`, `inline-usage` put a stream's usage on its last
 * content chunk (as some servers do) instead of a chunk of its own; every request is recorded. Like vLLM
 * with runtime LoRA loading, it takes `POST /v1/load_lora_adapter {lora_name, lora_path}` and answers
 * 404 for a model `ft:...` it has not loaded.
 */
export interface FakeUpstream {
  url: string;
  requests: Array<{ path: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] }>;
  /** Adapter names loaded so far; clear it to play a restart of the model server. */
  loadedAdapters: Set<string>;
  /** Streams whose client went away before the end. */
  abandoned: number;
  /** Lets every `held` stream, current and later, go on to its end. */
  releaseHeld(): void;
  close(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return JSON.parse(text || '{}');
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  let releaseHeld = () => {};
  const held = new Promise<void>((resolve) => (releaseHeld = resolve));
  const state: FakeUpstream = { url: '', requests: [], loadedAdapters: new Set(), abandoned: 0, releaseHeld: () => releaseHeld(), close: async () => {} };
  const server: Server = createServer(async (request, response) => {
    const body = await readJson(request);
    const path = request.url ?? '';
    state.requests.push({ path, body, headers: request.headers });
    const model = String(body.model ?? '');
    if (path === '/v1/models') return response.end(JSON.stringify({ object: 'list', data: [] }));
    if (path === '/v1/load_lora_adapter') {
      const name = String(body.lora_name);
      const already = state.loadedAdapters.has(name);
      state.loadedAdapters.add(name);
      response.writeHead(already ? 400 : 200, { 'content-type': already ? 'application/json' : 'text/plain' });
      return response.end(already ? JSON.stringify({ error: { message: `The lora adapter '${name}' has already been loaded.` } }) : `Success: LoRA adapter '${name}' added successfully.`);
    }
    if (model.startsWith('ft:') && !state.loadedAdapters.has(model)) {
      response.writeHead(404, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ error: { message: `The model \`${model}\` does not exist.`, type: 'NotFoundError', code: 404 } }));
    }
    if (model === 'slow') await new Promise((resolve) => setTimeout(resolve, 2000));
    if (model === 'broken') {
      response.writeHead(500, { 'content-type': 'application/json' });
      return response.end('{"error": {"message": "boom"}}');
    }
    if (path === '/v1/embeddings') {
      response.writeHead(200, { 'content-type': 'application/json' });
      const vector = [0.1, 0.2, 0.3];
      // The openai SDK asks for base64 (float32 little-endian) unless told otherwise.
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return response.end(JSON.stringify({ object: 'list', model, data: [{ object: 'embedding', index: 0, embedding }], usage: { prompt_tokens: 3, total_tokens: 3 } }));
    }
    const messages = (body.messages as Array<{ content: string }> | undefined) ?? [];
    const text = path === '/v1/completions';
    const reply = `echo: ${text ? String(body.prompt ?? '') : (messages.at(-1)?.content ?? '')}`;
    const object = text ? 'text_completion' : 'chat.completion';
    const choice = (content: string, finish: string | null) => {
      if (text) return { index: 0, text: content, finish_reason: finish };
      return body.stream ? { index: 0, delta: { content }, finish_reason: finish } : { index: 0, message: { role: 'assistant', content }, finish_reason: finish };
    };
    if (!body.stream) {
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(
        JSON.stringify({ id: 'chatcmpl-1', object, created: 1, model, choices: [choice(reply, 'stop')], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } }),
      );
    }
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    let finished = false;
    response.on('close', () => {
      if (!finished) state.abandoned += 1;
    });
    const chunkObject = text ? 'text_completion' : 'chat.completion.chunk';
    const words = model === 'endless' ? Array.from({ length: 10_000 }, (_, i) => `w${i} `) : reply.split(/(?<= )/);
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const usage = { prompt_tokens: 5, completion_tokens: words.length, total_tokens: 5 + words.length };
    for (const [i, word] of words.entries()) {
      if (response.destroyed) return;
      const last = i === words.length - 1;
      const chunk = { id: 'chatcmpl-1', object: chunkObject, created: 1, model, choices: [choice(word, null)], ...(model === 'inline-usage' && last && includeUsage ? { usage } : {}) };
      response.write(`data: ${JSON.stringify(chunk)}\n\n`);
      if (model === 'held' && i === 0) await held;
      await new Promise((resolve) => setTimeout(resolve, model === 'endless' ? 20 : 5));
    }
    if (includeUsage && model !== 'inline-usage') {
      // Sent in two pieces, split inside the JSON, as a network may deliver it.
      const event = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: chunkObject, created: 1, model, choices: [], usage })}\n\n`;
      response.write(event.slice(0, 30));
      await new Promise((resolve) => setTimeout(resolve, 5));
      response.write(event.slice(30));
    }
    finished = true;
    response.end('data: [DONE]\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
