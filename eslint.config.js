// ESLint with typescript-eslint's recommended rules over the server, the CLI, the worker, the tests,
// the benchmarks and the console. Type-aware rules are left out: they would double the time of a lint
// run, and `tsc --noEmit` already type-checks everything.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'data/', 'examples/', '**/__pycache__/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_name` marks a value left unused on purpose (a destructured field dropped, a callback's slot).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' }],
      // The composition root declares what closures reach before it exists (`let app`), then sets it once.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Everywhere but the tests and benchmarks below: the CLI, like the server, reads API answers with
      // the types derived from src/http/schemas (schemas/api-types.ts), not `any`.
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Tests and benchmarks read JSON answers whose shape each assertion checks: `any` is the honest type.
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  { files: ['web/src/**'], languageOptions: { globals: { ...globals.browser } } },
);
