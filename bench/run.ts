import { ROOT, type BenchPart } from './context.ts';
import { runBudgets } from './budgets.ts';
import { runCore } from './core.ts';
import { runFiles } from './files.ts';
import { runGateway } from './gateway.ts';
import { runKeys } from './keys.ts';
import { machineInfo, sourceRevision } from './machine.ts';
import { stopAll } from './processes.ts';
import { writeJson } from './report.ts';

/**
 * `npm run bench [-- part...]`: the parts named, in the order given, or all of them. Progress goes to
 * stderr, the tables to stdout, the raw figures to a JSON file under the OS temp folder.
 *
 *   core     issue 2: session throughput beside node:http hello, policy decisions/s, project-list latency (~65 s)
 *   keys     issue 3: key vs session vs hello throughput, queries per warm key request, revocation across instances (~70 s)
 *   files    issue 4: a 200 MB fine-tune upload (MB/s, server RSS), file-list latency at 100 and 100,000 files (~40 s)
 *   gateway  issue 5: chat completions direct, through a bare proxy and through Tenantry (~70 s)
 *   budgets  issue 12: chat completions through Tenantry with budgets off and on, side by side (~40 s)
 */

const PARTS: Record<string, BenchPart> = { core: runCore, keys: runKeys, files: runFiles, gateway: runGateway, budgets: runBudgets };

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !(name in PARTS));
  if (unknown.length > 0) {
    throw new Error(`unknown part(s) ${unknown.join(', ')}; the parts are ${Object.keys(PARTS).join(', ')}`);
  }
  const names = asked.length > 0 ? [...new Set(asked)] : Object.keys(PARTS);
  const command = `npm run bench${asked.length > 0 ? ` -- ${names.join(' ')}` : ''}`;
  const started = performance.now();
  const parts: Record<string, unknown> = {};
  try {
    for (const name of names) {
      process.stderr.write(`== ${name}\n`);
      parts[name] = await PARTS[name]!();
    }
  } finally {
    await stopAll();
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${command}: ${names.join(', ')} in ${seconds.toFixed(0)} s`);
  console.log(`Raw figures: ${writeJson({ machine: machineInfo(), revision: sourceRevision(ROOT), command, seconds, parts })}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
