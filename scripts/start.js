// `npm start`: builds the web console on the first start of a fresh clone (web/dist is not committed),
// then serves the API and the console in this same process (so signals reach the server directly).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
if (!existsSync(join(root, 'web', 'dist', 'index.html'))) {
  console.log('The web console is not built yet: running npm run build.');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const bin = join(root, 'bin', 'tenantry.js');
process.argv = [process.argv[0], bin, 'serve', ...process.argv.slice(2)];
await import('../bin/tenantry.js');
