import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { JobRecord } from '../../store/fine-tuning.ts';
import type { Store } from '../../store/store.ts';
import { ConflictError } from '../errors.ts';
import type { FileStorage } from '../../infra/file-storage.ts';

/** Fine-tuned model ids are `ft:<base>:<org>:<suffix>:<job id>`; the base may itself hold colons. */
export const isFineTunedModelId = (model: string) => model.startsWith('ft:');

function jobIdOf(model: string): string | undefined {
  const last = model.slice(model.lastIndexOf(':') + 1);
  return /^ftjob-[A-Za-z0-9_-]+$/.test(last) ? last : undefined;
}

/** The folder the trainer writes its final adapter to (see examples/lora-trainer); else the whole output. */
const ADAPTER_PREFIX = 'adapter/';

/**
 * The project's fine-tuned models and their weights on this server's disk. A model server loads an
 * adapter from a folder, so the job's result files (kept in Tenantry's file storage) are written out
 * once per job under `<data dir>/adapters/<job id>/`: the files of the output's `adapter/` folder when
 * the trainer wrote one, else every result file. The folder appears whole (written aside, then
 * renamed), so a model server never sees half an adapter.
 */
export function createFineTunedModels(deps: { store: Store; storage: FileStorage; directory: string }) {
  const root = resolve(deps.directory);
  const inFlight = new Map<string, Promise<string>>();

  async function exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  /** The project deleted some of the job's result files: what is left is not the adapter it trained. */
  const incomplete = (job: JobRecord) =>
    new ConflictError(`The adapter of ${job.fine_tuned_model} cannot be loaded: some of its job's result files were deleted.`, 'adapter_unavailable');

  async function writeOut(job: JobRecord, target: string): Promise<void> {
    const files = [];
    for (const id of job.result_files) {
      const file = await deps.store.files.find(job.project_id, id);
      if (!file) throw incomplete(job);
      files.push(file);
    }
    const inAdapter = files.filter((f) => f.filename.startsWith(ADAPTER_PREFIX));
    const chosen = inAdapter.length > 0 ? inAdapter.map((f) => ({ id: f.id, path: f.filename.slice(ADAPTER_PREFIX.length) })) : files.map((f) => ({ id: f.id, path: f.filename }));
    const aside = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(aside, { recursive: true });
      for (const file of chosen) {
        // The worker API already refuses paths that leave the output folder; this keeps the promise here too.
        const destination = resolve(aside, file.path);
        if (!destination.startsWith(aside + '/')) continue;
        await mkdir(dirname(destination), { recursive: true });
        await pipeline(deps.storage.read(file.id), createWriteStream(destination, { mode: 0o600 })).catch((error: NodeJS.ErrnoException) => {
          throw error.code === 'ENOENT' && error.path?.startsWith(aside) !== true ? incomplete(job) : error;
        });
      }
      await rename(aside, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another server sharing the data folder finished first: its copy is as good as ours.
        if (!(await exists(target))) throw error;
      });
    } finally {
      await rm(aside, { recursive: true, force: true });
    }
  }

  return {
    /** The project's succeeded job that made this model, or undefined when it names none of the project's. */
    async find(projectId: string, model: string): Promise<JobRecord | undefined> {
      const jobId = isFineTunedModelId(model) ? jobIdOf(model) : undefined;
      if (!jobId) return undefined;
      const job = await deps.store.fineTuning.find(projectId, jobId);
      return job && job.status === 'succeeded' && job.fine_tuned_model === model ? job : undefined;
    },

    /** The local folder holding the job's adapter, written out on first use. */
    adapterFolder(job: JobRecord): Promise<string> {
      const target = join(root, job.id);
      let pending = inFlight.get(job.id);
      if (!pending) {
        pending = (async () => {
          if (!(await exists(target))) {
            await mkdir(root, { recursive: true });
            await writeOut(job, target);
          }
          return target;
        })();
        inFlight.set(job.id, pending);
        // A failure is not remembered: the next use tries again.
        pending.catch(() => inFlight.delete(job.id));
      }
      return pending;
    },
  };
}

export type FineTunedModels = ReturnType<typeof createFineTunedModels>;
