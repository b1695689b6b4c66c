import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/node_modules', '**/out-tsc', '**/dist', 'runs/**', '.nx/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      // Dependencies point one way: data <- model <- submit <- pipeline; tuning knows nothing of models;
      // analysis (the report's math) needs only data's seeded random numbers.
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            // core (errors, the CLI runner, atomic writes, seeded random numbers...) is under everything.
            { sourceTag: 'scope:core', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:plot', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:core', 'scope:plot'] },
            { sourceTag: 'scope:tuning', onlyDependOnLibsWithTags: ['scope:core'] },
            { sourceTag: 'scope:analysis', onlyDependOnLibsWithTags: ['scope:core', 'scope:data'] },
            { sourceTag: 'scope:model', onlyDependOnLibsWithTags: ['scope:core', 'scope:data'] },
            { sourceTag: 'scope:submit', onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:model'] },
            {
              sourceTag: 'scope:pipeline',
              onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:model', 'scope:tuning', 'scope:submit', 'scope:plot', 'scope:analysis'],
            },
            // The `digitfuse` command dispatches to every package's CLI.
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['scope:core', 'scope:data', 'scope:model', 'scope:tuning', 'scope:submit', 'scope:plot', 'scope:pipeline'],
            },
            // The workspace's own tools (the Nx executor) know none of the packages.
            { sourceTag: 'scope:tools', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
