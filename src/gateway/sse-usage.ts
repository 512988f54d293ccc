import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

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

/** An event or line longer than this is not held back: no usage chunk is anywhere near it. */
const MAX_HELD = 1_000_000;

export interface SseUsageTapOptions {
  /**
   * Whether the client asked for the usage chunk (`stream_options.include_usage`). The gateway always
   * asks the model server for it, to meter; when the client did not, the chunk that carries only usage
   * (`choices: []`) is read and not passed on, as OpenAI sends none then and clients read `choices[0]`
   * of every chunk.
   */
  forwardUsageChunk: boolean;
}

/**
 * Passes a server-sent event stream through chunk by chunk and notes the usage that it carries. Only
 * lines that mention "usage" are parsed, so the tap costs little. When the usage chunk is to be
 * withheld, output is released event by event (an event ends at a blank line), so at most one event is
 * held back at a time; every other event goes out byte for byte as it came.
 */
export class SseUsageTap extends Transform {
  usage: TokenUsage | undefined;
  private readonly forwardUsageChunk: boolean;
  /** The incomplete last line of what came so far. */
  private tail = '';
  /** The complete lines of the event in progress, when events are released whole. */
  private event = '';
  private withholdEvent = false;
  /** Keeps a character whose bytes are split between two chunks whole. */
  private readonly decoder = new StringDecoder('utf8');

  constructor(options: SseUsageTapOptions) {
    super();
    this.forwardUsageChunk = options.forwardUsageChunk;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const lines = (this.tail + this.decoder.write(chunk)).split('\n');
    this.tail = lines.pop() ?? '';
    if (this.forwardUsageChunk) {
      for (const line of lines) this.inspect(line);
      if (this.tail.length > MAX_HELD) this.tail = '';
      callback(null, chunk);
      return;
    }
    let out = '';
    for (const line of lines) {
      if (this.inspect(line)) this.withholdEvent = true;
      this.event += line + '\n';
      if (line === '' || line === '\r') out += this.endEvent();
    }
    if (this.event.length + this.tail.length > MAX_HELD) {
      // A stream that never ends its events (no blank line) is not held in memory: it goes out as it
      // came; what follows of a cut line does not start with `data:` and passes too.
      out += this.event + this.tail;
      this.event = '';
      this.tail = '';
      this.withholdEvent = false;
    }
    callback(null, out.length > 0 ? out : undefined);
  }

  override _flush(callback: TransformCallback): void {
    this.tail += this.decoder.end();
    const usageOnly = this.inspect(this.tail);
    if (this.forwardUsageChunk) return callback();
    if (usageOnly) this.withholdEvent = true;
    this.event += this.tail;
    this.tail = '';
    const rest = this.endEvent();
    callback(null, rest.length > 0 ? rest : undefined);
  }

  /** The text of the event just completed, or nothing when it is the usage chunk to withhold. */
  private endEvent(): string {
    const text = this.withholdEvent ? '' : this.event;
    this.event = '';
    this.withholdEvent = false;
    return text;
  }

  /** Notes the usage a `data:` line carries; true when the line is a chunk of usage alone. */
  private inspect(line: string): boolean {
    if (!line.startsWith('data:') || !line.includes('"usage"')) return false;
    let parsed: { choices?: unknown; usage?: unknown };
    try {
      parsed = JSON.parse(line.slice(5).trim());
    } catch {
      return false; // A line that is not JSON carries no usage.
    }
    this.usage = usageOf(parsed) ?? this.usage;
    return Array.isArray(parsed?.choices) && parsed.choices.length === 0 && typeof parsed.usage === 'object' && parsed.usage !== null;
  }
}
