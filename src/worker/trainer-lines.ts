import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Reads what the trainer prints: one JSON object per line (message, metrics, checkpoint). Anything
 * else becomes a message, so nothing the trainer says is lost; a checkpoint whose path leaves the
 * output folder is refused and reported as a warning.
 */
export type TrainerLine =
  | { type: 'message'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'metrics'; step: number; [metric: string]: unknown }
  | { type: 'checkpoint'; step: number; path: string };

const LEVELS = new Set(['info', 'warn', 'error']);

export function parseTrainerLine(text: string, outputDir: string): TrainerLine | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  let value: Record<string, unknown>;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    value = parsed as Record<string, unknown>;
  } catch {
    return { type: 'message', level: 'info', message: trimmed.slice(0, 10_000) };
  }
  if (value.type === 'message' && typeof value.message === 'string') {
    const level = typeof value.level === 'string' && LEVELS.has(value.level) ? (value.level as 'info') : 'info';
    return { type: 'message', level, message: value.message.slice(0, 10_000) };
  }
  if (value.type === 'metrics' && Number.isInteger(value.step) && (value.step as number) >= 0) {
    return { ...value, type: 'metrics', step: value.step as number };
  }
  if (value.type === 'checkpoint' && Number.isInteger(value.step) && typeof value.path === 'string') {
    const absolute = isAbsolute(value.path) ? resolve(value.path) : resolve(outputDir, value.path);
    const inside = relative(resolve(outputDir), absolute);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      return { type: 'message', level: 'warn', message: `Checkpoint at step ${value.step} ignored: ${value.path} is outside the output folder.` };
    }
    return { type: 'checkpoint', step: value.step as number, path: inside };
  }
  return { type: 'message', level: 'info', message: trimmed.slice(0, 10_000) };
}
