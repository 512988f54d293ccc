import { createInterface } from 'node:readline';
import type { FileStorage } from '../infra/file-storage.ts';

export interface DatasetRow {
  /** Counting from 0 over the dataset's files in order. */
  index: number;
  file_id: string;
  /** The line in its file, counting from 1 (as upload refusals count). */
  line: number;
  data: unknown;
}

/**
 * Rows `offset` to `offset + limit` of a dataset, read line by line from its files in order (never a
 * whole file in memory), and whether more follow. Files were checked line by line at upload, so every
 * line but a blank last one is a JSON object.
 */
export async function readDatasetRows(storage: FileStorage, fileIds: string[], offset: number, limit: number): Promise<{ rows: DatasetRow[]; hasMore: boolean }> {
  const rows: DatasetRow[] = [];
  let index = 0;
  for (const fileId of fileIds) {
    const lines = createInterface({ input: storage.read(fileId), crlfDelay: Infinity });
    let line = 0;
    try {
      for await (const text of lines) {
        line += 1;
        if (text.trim() === '') continue;
        if (index >= offset + limit) return { rows, hasMore: true };
        if (index >= offset) rows.push({ index, file_id: fileId, line, data: JSON.parse(text) as unknown });
        index += 1;
      }
    } finally {
      lines.close();
    }
  }
  return { rows, hasMore: false };
}
