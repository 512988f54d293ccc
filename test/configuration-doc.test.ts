import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configurationDocProblems, DOC_PATH, updatedDocument } from '../scripts/configuration-reference.ts';

// docs/configuration.md is the operator's reference: every key of the configuration file (walked from
// its zod schema) and every environment variable the code reads must be in it, and nothing else.
const doc = () => readFileSync(DOC_PATH, 'utf8');
const withoutRow = (text: string, key: string) => text.split('\n').filter((line) => !line.startsWith(`| \`${key}\` |`)).join('\n');

test('docs/configuration.md documents every configuration key and environment variable, and its example file is valid and uses every key', () => {
  const problems = configurationDocProblems(doc());
  assert.deepEqual(problems, [], `\n${problems.join('\n')}\n`);
});

test('docs/configuration.md is what `npm run docs:config` would write (the types match the schema)', () => {
  assert.equal(updatedDocument(doc()), doc());
});

test('a key missing from the document is named, with where and how to document it', () => {
  const problems = configurationDocProblems(withoutRow(doc(), 'smtp.port'));
  assert.equal(problems.length, 1, problems.join('\n'));
  assert.match(problems[0]!, /`smtp\.port` \(integer 1\.\.65535; in configFileSchema of src\/config\.ts\) is not documented/);
  assert.match(problems[0]!, /<!-- BEGIN config-file --> and <!-- END config-file --> in docs\/configuration\.md/);
  assert.match(problems[0]!, /npm run docs:config/);

  const variable = configurationDocProblems(withoutRow(doc(), 'LOG_LEVEL'));
  assert.deepEqual(variable.length, 1, variable.join('\n'));
  assert.match(variable[0]!, /environment variable LOG_LEVEL \(read in src\/http\/app\.ts\) is not documented: add a row for it to the table between <!-- BEGIN environment -->/);
});

test('a documented key that no longer exists, a row left as TODO and a wrong type are refused', () => {
  const stale = doc().replace('| `smtp.from` |', '| `smtp.colour` | string | none | the colour |\n| `smtp.from` |');
  assert.deepEqual(configurationDocProblems(stale), [
    'docs/configuration.md documents configuration file key `smtp.colour`, which configFileSchema in src/config.ts no longer has: remove its row (`npm run docs:config` does)',
  ]);
  const todo = doc().replace(/^\| `files\.max_bytes` \| integer ≥ 1 \| .*$/m, '| `files.max_bytes` | integer ≥ 1 | TODO | TODO |');
  assert.match(configurationDocProblems(todo).join('\n'), /`files\.max_bytes` has a row in docs\/configuration\.md without its default and meaning/);
  const wrongType = doc().replace('| `smtp.secure` | boolean |', '| `smtp.secure` | string |');
  assert.match(configurationDocProblems(wrongType).join('\n'), /`smtp\.secure` is documented in docs\/configuration\.md as "string" but the schema says "boolean"/);
});

test('`npm run docs:config` puts a missing row back in place with its type, to be written, and drops rows of what is gone', () => {
  const original = doc();
  const repaired = updatedDocument(withoutRow(withoutRow(original, 'smtp.port'), 'LOG_LEVEL').replace('| `smtp.from` |', '| `smtp.colour` | string | none | the colour |\n| `smtp.from` |'));
  const lines = repaired.split('\n');
  const port = lines.findIndex((l) => l.startsWith('| `smtp.port` |'));
  assert.equal(lines[port], '| `smtp.port` | integer 1..65535 | TODO | TODO |');
  assert.ok(lines[port - 1]!.startsWith('| `smtp.host` |'), 'after the key before it');
  assert.ok(lines.includes('| `LOG_LEVEL` | TODO | TODO | TODO |'));
  assert.ok(!lines.some((l) => l.startsWith('| `smtp.colour` |')), 'the row of a key that is gone is dropped');
  assert.equal(configurationDocProblems(repaired).length, 2, 'the rows still to write are refused');
});
