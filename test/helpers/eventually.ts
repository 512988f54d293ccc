import assert from 'node:assert/strict';

/**
 * Polls `check` until it answers `expected`, failing once `limitMs` have passed; answers how long it
 * took. For promises of the form "within N ms on another instance".
 */
export async function answersWithin(check: () => Promise<number>, expected: number, limitMs: number, everyMs = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    const status = await check();
    const elapsed = performance.now() - started;
    if (status === expected) return elapsed;
    if (elapsed > limitMs) assert.fail(`still ${status} after ${Math.round(elapsed)} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
