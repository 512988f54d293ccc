import { Transform, type TransformCallback } from 'node:stream';

export interface TokenUsage {
  input: number;
  output: number;
}

/** Reads OpenAI's `usage` object (prompt/completion, or input/output, tokens). */
export function usageOf(value: unknown): TokenUsage | undefined {
  const usage = (value as { usage?: Record<string, unknown> } | null)?.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const input = Number(usage.prompt_tokens ?? usage.input_tokens ?? 0);
  const output = Number(usage.completion_tokens ?? usage.output_tokens ?? 0);
  return { input: Number.isFinite(input) ? input : 0, output: Number.isFinite(output) ? output : 0 };
}

/**
 * Passes a server-sent event stream through untouched, chunk by chunk, and notes the usage that the
 * final chunk carries. Only lines that mention "usage" are parsed, so the tap costs little.
 */
export class SseUsageTap extends Transform {
  usage: TokenUsage | undefined;
  private tail = '';

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const text = this.tail + chunk.toString('utf8');
    const lines = text.split('\n');
    this.tail = lines.pop() ?? '';
    if (this.tail.length > 1_000_000) this.tail = '';
    for (const line of lines) this.inspect(line);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.inspect(this.tail);
    callback();
  }

  private inspect(line: string): void {
    if (!line.startsWith('data:') || !line.includes('"usage"')) return;
    try {
      this.usage = usageOf(JSON.parse(line.slice(5).trim())) ?? this.usage;
    } catch {
      // A line that is not JSON carries no usage.
    }
  }
}
