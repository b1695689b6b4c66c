import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './read-json';
import { useTempDir } from './testing';

const tmp = useTempDir('read-json-');
const fail = (found: string) => new Error(`Expected a JSON file, found ${found}`);

describe('readJsonFile()', () => {
  it('reads JSON, with or without a UTF-8 byte-order mark before it', () => {
    writeFileSync(join(tmp(), 'plain.json'), '{"units": 4}');
    writeFileSync(join(tmp(), 'bom.json'), '\ufeff{"units": 4}\n');
    expect(readJsonFile(join(tmp(), 'plain.json'), fail)).toEqual({ units: 4 });
    expect(readJsonFile(join(tmp(), 'bom.json'), fail)).toEqual({ units: 4 });
  });

  it('says what stands there instead: nothing, a folder, text that is not JSON', () => {
    mkdirSync(join(tmp(), 'folder.json'));
    writeFileSync(join(tmp(), 'bad.json'), '{bad');
    expect(() => readJsonFile(join(tmp(), 'absent.json'), fail)).toThrow('Expected a JSON file, found no such file');
    expect(() => readJsonFile(join(tmp(), 'folder.json'), fail)).toThrow('Expected a JSON file, found a folder');
    expect(() => readJsonFile(join(tmp(), 'bad.json'), fail)).toThrow(/^Expected a JSON file, found text that is not JSON \(/);
  });
});
