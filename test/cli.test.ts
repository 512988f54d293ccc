import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';

const BIN = join(import.meta.dirname, '..', 'bin', 'tenantry.js');

function serveOnce(env: NodeJS.ProcessEnv) {
  return spawnSync(process.execPath, [BIN, 'serve'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
}

test('bad configuration stops the start with one clear line naming the setting', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-cli-'));
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ TENANTRY_CONFIG: join(dir, 'missing.json') }, /TENANTRY_CONFIG/],
  ];
  const unknownKey = join(dir, 'unknown.json');
  writeFileSync(unknownKey, JSON.stringify({ regions: [{ id: 'eu-north1', inference_base_url: 'http://x/v1' }], colour: 'blue' }));
  cases.push([{ TENANTRY_CONFIG: unknownKey }, /colour/]);
  const badDefault = join(dir, 'default.json');
  writeFileSync(badDefault, JSON.stringify({ regions: [{ id: 'eu-north1', inference_base_url: 'http://x/v1' }], default_region: 'us-east9' }));
  cases.push([{ TENANTRY_CONFIG: badDefault }, /default_region/]);
  const badUrl = join(dir, 'url.json');
  writeFileSync(badUrl, JSON.stringify({ regions: [{ id: 'eu-north1', inference_base_url: 'not a url' }] }));
  cases.push([{ TENANTRY_CONFIG: badUrl }, /regions\.0\.inference_base_url/]);
  const regions = [{ id: 'eu-north1', inference_base_url: 'http://x/v1' }];
  const modelElsewhere = join(dir, 'model-region.json');
  writeFileSync(modelElsewhere, JSON.stringify({ regions, models: [{ id: 'm', upstream: 'http://m/v1', region: 'mars-1' }] }));
  cases.push([{ TENANTRY_CONFIG: modelElsewhere }, /models\.0\.region: "mars-1" is not one of the configured regions/]);
  const twoModels = join(dir, 'two-models.json');
  writeFileSync(twoModels, JSON.stringify({ regions, models: [{ id: 'm', upstream: 'http://a/v1' }, { id: 'm', upstream: 'http://b/v1' }] }));
  cases.push([{ TENANTRY_CONFIG: twoModels }, /models\.1\.id: duplicate model id "m"/]);
  const template = { model_name: 'acme/tiny', flavor_name: 'base', gpu_types: ['gpu'], command: 'serve {model}' };
  const twoTemplates = join(dir, 'two-templates.json');
  writeFileSync(twoTemplates, JSON.stringify({ regions, templates: [template, { ...template, command: 'other {model}' }] }));
  cases.push([{ TENANTRY_CONFIG: twoTemplates }, /templates\.1\.flavor_name: duplicate flavor "base" for model "acme\/tiny"/]);
  const priceOfNoTemplate = join(dir, 'endpoint-price-model.json');
  writeFileSync(priceOfNoTemplate, JSON.stringify({ regions, templates: [template], prices: { endpoints: [{ model: 'acme/tyni', per_replica_hour: 2 }] } }));
  cases.push([{ TENANTRY_CONFIG: priceOfNoTemplate }, /prices\.endpoints\.0\.model: "acme\/tyni" is not the model_name of any configured template/]);
  const twoEndpointPrices = join(dir, 'two-endpoint-prices.json');
  writeFileSync(twoEndpointPrices, JSON.stringify({ regions, templates: [template], prices: { endpoints: [{ model: 'acme/tiny', per_replica_hour: 2 }, { model: 'acme/tiny', per_replica_hour: 3 }] } }));
  cases.push([{ TENANTRY_CONFIG: twoEndpointPrices }, /prices\.endpoints\.1\.model: duplicate price for model "acme\/tiny"/]);
  const negativePrice = join(dir, 'negative-endpoint-price.json');
  writeFileSync(negativePrice, JSON.stringify({ regions, prices: { endpoint_default_per_replica_hour: -1 } }));
  cases.push([{ TENANTRY_CONFIG: negativePrice }, /prices\.endpoint_default_per_replica_hour/]);

  for (const [env, pattern] of cases) {
    const result = serveOnce({ TENANTRY_DATA_DIR: dir, ...env });
    assert.equal(result.status, 2, `${JSON.stringify(env)}: ${result.stderr}`);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, pattern);
  }
});

test('`tenantry serve` starts on an embedded SQLite in WAL mode with migrations applied, and stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantry-cli-'));
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TENANTRY_DATA_DIR: dir, DATABASE_URL: '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const signup = await fetch(`${url}/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cli@example.test', password: 'a long password', name: 'Cli' }),
    });
    assert.equal(signup.status, 201);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  assert.equal(child.exitCode, 0);
  const file = join(dir, 'tenantry.db');
  assert.ok(existsSync(file));
  const db = new SqliteDatabase(file, { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const users = db.prepare('select count(*) as n from users').get() as { n: number };
    assert.equal(users.n, 1);
  } finally {
    db.close();
  }
});
