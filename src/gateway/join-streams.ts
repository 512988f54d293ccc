import type { Readable, Writable } from 'node:stream';

/**
 * `source.pipe(target)` with what `stream.pipeline` adds that the stream path needs: an error or a
 * premature end of the source destroys the target with that error (and is told to `onBroken`), and a
 * target destroyed first (the client went away) destroys the source, which frees its connection.
 * Backpressure is pipe's. Not `pipeline` itself: it makes an AbortController and aborts it, building a
 * DOMException with its stack, on every stream it finishes, a measurable share of a streamed request.
 */
export function joinStreams(source: Readable, target: Writable, onBroken: (error: Error) => void): void {
  let settled = false;
  const broken = (error: Error) => {
    if (settled) return;
    settled = true;
    source.unpipe(target);
    onBroken(error);
    target.destroy(error);
  };
  source.once('error', broken);
  source.once('close', () => {
    if (!source.readableEnded) broken(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
  });
  source.once('end', () => {
    settled = true;
  });
  target.once('close', () => {
    if (!source.readableEnded && !source.destroyed) {
      settled = true;
      source.destroy();
    }
  });
  // The target's own reader (the route) handles its error; until it listens, this one keeps an error
  // that comes first from becoming an uncaught exception, as pipeline's listener did.
  target.on('error', () => {});
  source.pipe(target);
}
