// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'results/', 'test-artifacts/', 'report/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The layering of the house (docs/architecture.md): what is measured never imports what measures it,
  // the bench never imports its report, and the report reads the bench's results model only, never
  // code that runs a bench.
  {
    files: ['servers/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/bench/**', '**/report/**', '**/cli/**'], message: 'servers never import the bench, the report or the commands above them: they are what is measured.' }] }],
    },
  },
  {
    files: ['bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/report/**', '**/cli/**'], message: 'bench never imports the report or the commands: the command above both (cli/bench.ts) runs a bench, then writes its report.' }] }],
    },
  },
  {
    files: ['report/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // gitignore's order: a file is let through only where its folder was not shut first.
              group: ['**/bench/*', '!**/bench/model', '**/bench/*/**', '!**/bench/model/**'],
              message: "the report reads the bench's results model only (bench/model/), never code that runs a bench.",
            },
            { group: ['**/cli/**'], message: 'the report never imports the commands above it (cli/).' },
          ],
        },
      ],
    },
  },
);
