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
          // data loads the charting stack lazily (it takes a second to import) but imports the
          // plot package's small `atomic` entry, which loads no charts, statically.
          checkDynamicDependenciesExceptions: ['@digitfuse/plot/atomic'],
          depConstraints: [
            { sourceTag: 'scope:plot', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:data', onlyDependOnLibsWithTags: ['scope:plot'] },
            { sourceTag: 'scope:tuning', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'scope:analysis', onlyDependOnLibsWithTags: ['scope:data'] },
            { sourceTag: 'scope:model', onlyDependOnLibsWithTags: ['scope:data'] },
            { sourceTag: 'scope:submit', onlyDependOnLibsWithTags: ['scope:data', 'scope:model'] },
            {
              sourceTag: 'scope:pipeline',
              onlyDependOnLibsWithTags: ['scope:data', 'scope:model', 'scope:tuning', 'scope:submit', 'scope:plot', 'scope:analysis'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
];
