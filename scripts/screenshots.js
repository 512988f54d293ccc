// `npm run screenshots`: copies the README's console screenshots from the last run of the Chromium
// tests (test-results/console, written by test/console*.test.ts) into docs/screenshots. Run the
// console tests first: `npm run build`, then each test/console*.test.ts.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/** The screenshots the README shows, by the name the tests save them under. */
const SHOWN = ['api-keys', 'fine-tuning', 'batches', 'organization-delete', 'project-groups', 'service-accounts', 'datasets', 'roles', 'budgets'];

const root = join(import.meta.dirname, '..');
const missing = SHOWN.filter((name) => !existsSync(join(root, 'test-results', 'console', `${name}.png`)));
if (missing.length > 0) {
  console.error(`No screenshot yet for ${missing.join(', ')}: run the console tests (test/console*.test.ts) first.`);
  process.exit(1);
}
for (const name of SHOWN) {
  copyFileSync(join(root, 'test-results', 'console', `${name}.png`), join(root, 'docs', 'screenshots', `console-${name}.png`));
  console.log(`docs/screenshots/console-${name}.png`);
}
