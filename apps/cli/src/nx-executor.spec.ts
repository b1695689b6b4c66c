import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXECUTOR_DIR, executorFiles, forNx } from './nx-executor';

// Loads every command's module (TensorFlow.js included) to print its help.
jest.setTimeout(120_000);

describe('executorFiles()', () => {
  it('matches tools/executors/digitfuse (else run `npx tsx apps/cli/src/nx-executor.ts`)', async () => {
    const files = await executorFiles();
    for (const [path, text] of Object.entries(files)) {
      expect({ path, text: readFileSync(join(EXECUTOR_DIR, path), 'utf8') }).toEqual({ path, text });
    }
    const executors = JSON.parse(files['executors.json']).executors;
    expect(executors['bench-kernels'].command).toEqual(['bench', 'kernels']);
    expect(JSON.parse(files['schemas/full.json']).description).toMatch(/^digitfuse full \[options\]\n/);
  });
});

describe('forNx()', () => {
  it('puts each flag and each paragraph on one line', () => {
    const help = [
      'digitfuse x [options]',
      '',
      'Does x with a description that yargs',
      'wrapped.',
      '',
      'Options:',
      '  --data    Folder with the',
      '            files                                   [string]',
      '  --trials  Trials                       [number] [default: 10]',
    ].join('\n');
    expect(forNx(help)).toBe(
      ['digitfuse x [options]', '', 'Does x with a description that yargs wrapped.', '', 'Options:', '--data  Folder with the files  [string]', '--trials  Trials  [number] [default: 10]'].join('\n'),
    );
  });
});
