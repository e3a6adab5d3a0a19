// Lint is about structure, not style (Prettier formats): which folder may import which, plus the
// TypeScript rules that catch real mistakes. Layers: lib/ is shared plumbing and imports no service
// folder; the product folders import nothing from the tooling folders; tooling never reaches into
// test/ helpers (tests may import anything).
import tseslint from 'typescript-eslint';

const tooling = ['scripts', 'test', 'bench', 'chaos'];
const services = ['api', 'relay', 'consumers', 'debezium'];
const inside = (folders) => folders.flatMap((f) => [`${f}/**/*.ts`]);
const importsOf = (folders) => folders.flatMap((f) => [`**/${f}/**`, `../${f}/**`, `./${f}/**`]);
const boundary = (files, forbidden, message) => ({
  files: inside(files),
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: importsOf(forbidden), message }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/**', '.stack/**', 'dist/**', 'k8s/charts/**', 'bench/results/**', 'chaos/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  boundary(['lib'], [...services, ...tooling], 'lib/ is shared plumbing: it imports no service or tooling folder'),
  boundary(services, tooling, 'product code imports nothing from scripts/, test/, bench/ or chaos/'),
  boundary(['scripts', 'bench', 'chaos'], ['test'], 'only tests import test/ helpers'),
  // Product code reads settings through the catalogue, so each one is declared and documented once.
  {
    files: inside(['lib', ...services]),
    ignores: ['lib/config/setting.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'read settings with read() from lib/config/settings.ts' },
      ],
    },
  },
);
