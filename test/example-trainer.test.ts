import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * The example LoRA trainer needs torch, transformers and peft, which this machine cannot install; its
 * pure parts (reading the job, the JSONL formats, the protocol lines) run on the standard library.
 */
const TRAINER = join(import.meta.dirname, '..', 'examples', 'lora-trainer', 'train.py');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const skip = python.status === 0 ? false : process.env.CI === 'true' ? false : 'python3 is not installed';

test('the example trainer compiles and passes its standard-library self-test', { skip }, () => {
  const compiled = spawnSync('python3', ['-m', 'py_compile', TRAINER], { encoding: 'utf8' });
  assert.equal(compiled.status, 0, compiled.stderr);
  const selfTest = spawnSync('python3', [TRAINER, '--self-test'], { encoding: 'utf8' });
  assert.equal(selfTest.status, 0, selfTest.stdout + selfTest.stderr);
  assert.match(selfTest.stdout + selfTest.stderr, /self-test: \d+ checks passed/);
});

test('the example trainer refuses a job whose model is not in its model map, with one protocol line', { skip }, () => {
  const run = spawnSync('python3', [TRAINER], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TENANTRY_MODEL_MAP: '{}',
      TENANTRY_JOB: JSON.stringify({ id: 'ftjob-x', model: 'unknown/model', hyperparameters: {}, suffix: null, seed: 1 }),
      TENANTRY_TRAINING_FILE: join(import.meta.dirname, '..', 'examples', 'lora-trainer', 'sample-train.jsonl'),
      TENANTRY_VALIDATION_FILE: '',
      TENANTRY_OUTPUT_DIR: '/tmp',
    },
  });
  assert.equal(run.status, 2, run.stdout + run.stderr);
  const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; level: string });
  assert.ok(lines.length >= 1);
  assert.deepEqual({ type: lines.at(-1)!.type, level: lines.at(-1)!.level }, { type: 'message', level: 'error' });
});
