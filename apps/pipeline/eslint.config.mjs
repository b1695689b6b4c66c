import base from '../../eslint.config.mjs';

export default [
  ...base,
  {
    // Pipeline stages are siblings: they share paths and results through run-artifacts.ts and the
    // study through study-access.ts, never by importing one another.
    files: ['src/stages/**/*.ts'],
    ignores: ['src/stages/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['./*', '../stages/*'],
              message: 'A stage must not import another stage: share paths and results through ../run-artifacts (or ../study-access).',
            },
          ],
        },
      ],
    },
  },
];
