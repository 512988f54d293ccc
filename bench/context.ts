import { fileURLToPath } from 'node:url';

/** What every part of the bench shares: the repository root and a progress line on stderr. */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const progress = (message: string) => process.stderr.write(`· ${message}\n`);

/** A part of `npm run bench`: measures, prints its tables, answers its figures for the JSON file. */
export type BenchPart = () => Promise<unknown>;
