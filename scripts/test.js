// Runs the test suite: node's own runner with the TAP reporter and an explicit list of files (a
// directory or a quoted glob silently finds no .ts files on Node 20).
import { spawnSync } from 'node:child_process';

export const TEST_FILES = [
  'test/accounts.test.ts',
  'test/organizations.test.ts',
  'test/projects.test.ts',
  'test/groups.test.ts',
  'test/access.test.ts',
  'test/http-conventions.test.ts',
  'test/http-hardening.test.ts',
  'test/invitations.test.ts',
  'test/audit.test.ts',
  'test/api-keys.test.ts',
  'test/multi-instance.test.ts',
  'test/files.test.ts',
  'test/upload-crash.test.ts',
  'test/fine-tuning.test.ts',
  'test/example-trainer.test.ts',
  'test/gateway.test.ts',
  'test/endpoints.test.ts',
  'test/cli-client.test.ts',
  'test/tenancy.property.test.ts',
  'test/cli.test.ts',
  'test/console.test.ts',
];

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', ...process.argv.slice(2), ...TEST_FILES],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
