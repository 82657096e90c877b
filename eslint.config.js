import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Builds a `no-restricted-imports` rule from [patterns, why] pairs. */
const forbid = (...groups) => ({
  '@typescript-eslint/no-restricted-imports': [
    'error',
    { patterns: groups.map(([group, message, allowTypeImports = false]) => ({ group, message, allowTypeImports })) },
  ],
});

const IO_MODULES = ['node:*', 'fs', 'fs/*', 'http', 'https', 'net', 'child_process', 'better-sqlite3', 'hnswlib-node'];
const IO_MODULES_TOO = [...IO_MODULES, 'sharp', 'onnxruntime-node', '@immich/sdk', 'p-queue', 'pino'];

export default tseslint.config(
  { ignores: ['dist/', 'models/', 'node_modules/', 'coverage/', 'scratch/', 'bench/tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  // The house rules (docs/architecture.md, "Who may import whom"): each stage sees only what is below it.
  {
    files: ['src/recognition/**/*.ts'],
    rules: forbid(
      [
        [
          '**/perception/**',
          '**/store/*',
          '**/hosts/**',
          '**/service/*',
          '**/cli/*',
          '**/report/*',
          '**/models/*',
          '**/config/*',
          '**/ports.js',
        ],
        'recognition is pure: besides itself it may import only src/types.ts',
      ],
      [IO_MODULES_TOO, 'recognition does no I/O: take data and providers as arguments'],
    ),
  },
  {
    files: ['src/perception/**/*.ts'],
    rules: forbid(
      [
        ['**/config/*', '**/store/*', '**/hosts/**', '**/service/*', '**/cli/*', '**/recognition/*', '**/report/*'],
        'perception may import only models/ (sessions) and src/types.ts; the composition root is service/perception.ts',
      ],
      [['node:fs', 'node:fs/*', 'node:http', 'node:https', 'node:net', 'fs'], 'perception does no file or network I/O'],
    ),
  },
  {
    files: ['src/hosts/**/*.ts'],
    rules: forbid([
      ['**/service/*', '**/cli/*', '**/recognition/*', '**/report/*'],
      'hosts are driven by the engine: they never import the service, the CLI or recognition (use src/ports.ts)',
    ]),
  },
  {
    files: ['src/report/**/*.ts'],
    rules: forbid([
      ['**/service/*', '**/hosts/**', '**/cli/*', '**/recognition/*'],
      'the report reads the store and decodes with perception/image only',
    ]),
  },
  {
    files: ['src/store/**/*.ts'],
    rules: forbid(
      [
        ['**/perception/**', '**/hosts/**', '**/service/*', '**/cli/*', '**/report/*', '**/config/*', '**/models/*'],
        'the store imports only types',
      ],
      [['**/recognition/*'], 'the store may use recognition types only', true],
    ),
  },
  {
    files: ['src/models/**/*.ts', 'src/config/**/*.ts'],
    rules: forbid([
      ['**/perception/**', '**/recognition/*', '**/store/*', '**/hosts/**', '**/service/*', '**/report/*', '**/cli/*'],
      'models/ and config/ sit below the stages and import none of them',
    ]),
  },
  {
    files: ['src/service/**/*.ts'],
    rules: forbid([['**/cli/*', '**/review/*'], 'the service never imports the CLI or the review page']),
  },
  {
    files: ['src/review/**/*.ts'],
    rules: forbid(
      [
        ['**/perception/**', '**/hosts/**', '**/cli/*', '**/models/*', '**/config/*', '**/report/*'],
        'the review page is an entry point over the service: it renders what the service gives and sends edits back',
      ],
      [['**/store/*', '**/recognition/*'], 'the review page uses store and recognition types only', true],
    ),
  },
);
