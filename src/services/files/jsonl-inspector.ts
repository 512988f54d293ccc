import { Transform, type TransformCallback } from 'node:stream';
import { checkBatchLine, checkFineTuneLine, type FineTuneFormat } from './jsonl-rules.ts';

export type Purpose = 'fine-tune' | 'batch';

/** The first problem found for a purpose, with its line number counted from 1. */
export interface LineProblem {
  line: number;
  reason: string;
}

export class LineProblemError extends Error {
  constructor(readonly problem: LineProblem) {
    super(`line ${problem.line}: ${problem.reason}`);
  }
}

const MAX_LINE_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Passes a JSONL upload through unchanged while checking it line by line, so the file is never held
 * whole in memory. The purpose may arrive after the file in a multipart form, so every line is
 * checked for both purposes; once the purpose is known, the first problem for it stops the stream.
 */
export class JsonlInspector extends Transform {
  private purpose: Purpose | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private lineNumber = 0;
  private blankLineAt: number | undefined;
  private fineTuneProblem: LineProblem | undefined;
  private batchProblem: LineProblem | undefined;
  private format: FineTuneFormat | undefined;
  private readonly customIds = new Set<string>();
  rows = 0;

  constructor(purpose?: Purpose) {
    super();
    this.purpose = purpose;
  }

  /** Learns the purpose mid-stream; answers the problem already found for it, if any. */
  setPurpose(purpose: Purpose): LineProblem | undefined {
    this.purpose = purpose;
    return this.problemFor(purpose);
  }

  problemFor(purpose: Purpose): LineProblem | undefined {
    const problem = purpose === 'fine-tune' ? this.fineTuneProblem : this.batchProblem;
    if (problem) return problem;
    if (this.rows === 0) return { line: 1, reason: 'the file holds no lines' };
    return undefined;
  }

  fineTuneFormat(): FineTuneFormat | undefined {
    return this.fineTuneProblem ? undefined : this.format;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.takePart(chunk.subarray(start, newline));
      const problem = this.endLine();
      if (problem) return callback(new LineProblemError(problem));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    this.takePart(chunk.subarray(start));
    if (this.pendingBytes > MAX_LINE_BYTES) {
      return callback(new LineProblemError({ line: this.lineNumber + 1, reason: `the line is longer than ${MAX_LINE_BYTES} bytes` }));
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.pendingBytes > 0) {
      const problem = this.endLine();
      if (problem) return callback(new LineProblemError(problem));
    }
    callback();
  }

  private takePart(part: Buffer): void {
    if (part.length === 0) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  /** Checks the line just completed; answers a problem that must stop the stream now. */
  private endLine(): LineProblem | undefined {
    this.lineNumber += 1;
    const text = Buffer.concat(this.pending, this.pendingBytes).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    if (text.trim() === '') {
      // A blank line is only allowed at the very end; remember it and fail if another line follows.
      this.blankLineAt ??= this.lineNumber;
      return undefined;
    }
    if (this.blankLineAt !== undefined) {
      this.record({ line: this.blankLineAt, reason: 'empty line' }, { line: this.blankLineAt, reason: 'empty line' });
      return this.stopFor();
    }
    this.rows += 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const reason = `not valid JSON (${(error as Error).message})`;
      this.record({ line: this.lineNumber, reason }, { line: this.lineNumber, reason });
      return this.stopFor();
    }
    if (!this.fineTuneProblem && this.purpose !== 'batch') {
      const result = checkFineTuneLine(value);
      if ('error' in result) this.fineTuneProblem = { line: this.lineNumber, reason: result.error };
      else if (this.format && this.format !== result.format) {
        this.fineTuneProblem = { line: this.lineNumber, reason: `the example is ${result.format} but the file's first example is ${this.format}` };
      } else this.format = result.format;
    }
    if (!this.batchProblem && this.purpose !== 'fine-tune') {
      const result = checkBatchLine(value);
      if ('error' in result) this.batchProblem = { line: this.lineNumber, reason: result.error };
      else if (this.customIds.has(result.customId)) this.batchProblem = { line: this.lineNumber, reason: `custom_id "${result.customId}" is used twice` };
      else this.customIds.add(result.customId);
    }
    return this.stopFor();
  }

  private record(fineTune: LineProblem, batch: LineProblem): void {
    this.fineTuneProblem ??= fineTune;
    this.batchProblem ??= batch;
  }

  /** With the purpose known, its first problem ends the upload at once; otherwise keep reading. */
  private stopFor(): LineProblem | undefined {
    if (!this.purpose) return undefined;
    return this.purpose === 'fine-tune' ? this.fineTuneProblem : this.batchProblem;
  }
}
