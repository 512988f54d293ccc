/**
 * A conversational fine-tune file of an exact size, made on the fly in chunks of whole lines, so a
 * 200 MB upload never sits in the bench's memory. Every line is the same length (LINE_BYTES, the
 * newline included), which gives the size in advance for Content-Length; the text differs from line
 * to line: a numbered question and answer with filler words.
 */

export const LINE_BYTES = 200;
const LINES_PER_CHUNK = 512;
const WORDS = 'the quick brown fox jumps over a lazy dog while seven wizards quietly judge boxing matches and a sphinx of black quartz listens'.split(' ');
/** Distinct fillers, picked by line number: enough variety that no two neighbouring lines are equal. */
const FILLERS = Array.from({ length: 97 }, (_, i) => Array.from({ length: 40 }, (_, j) => WORDS[(i * 7 + j) % WORDS.length]).join(' '));

/** One line; `index` fits in 9 digits. */
export function fineTuneLine(index: number): string {
  const n = String(index).padStart(9, '0');
  const question = `Question ${n}: `;
  const answer = `Answer ${n}: `;
  const skeletonBytes = `{"messages":[{"role":"user","content":"${question}"},{"role":"assistant","content":"${answer}"}]}\n`.length;
  const room = LINE_BYTES - skeletonBytes;
  const filler = FILLERS[index % FILLERS.length]!;
  const first = filler.slice(0, room >> 1);
  const second = filler.slice(0, room - first.length);
  return `{"messages":[{"role":"user","content":"${question}${first}"},{"role":"assistant","content":"${answer}${second}"}]}\n`;
}

/** The chunks of a file of `totalBytes`, which must be a whole number of lines. */
export function* fineTuneChunks(totalBytes: number): Generator<Buffer> {
  if (totalBytes % LINE_BYTES !== 0) throw new Error(`the file size must be a multiple of ${LINE_BYTES} bytes`);
  const lines = totalBytes / LINE_BYTES;
  for (let start = 0; start < lines; start += LINES_PER_CHUNK) {
    const end = Math.min(lines, start + LINES_PER_CHUNK);
    let text = '';
    for (let i = start; i < end; i++) text += fineTuneLine(i + 1);
    yield Buffer.from(text, 'utf8');
  }
}
