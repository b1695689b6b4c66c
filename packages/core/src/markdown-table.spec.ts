import { markdownTable } from './markdown-table';

describe('markdownTable()', () => {
  it('writes headers, a separator with alignment, and escaped rows', () => {
    expect(markdownTable(['name', 'value'], [['a|b', '1'], ['two\nlines', '']], ['left', 'right'])).toBe(
      ['| name | value |', '| --- | ---: |', '| a\\|b | 1 |', '| two lines | |'].join('\n'),
    );
  });
});
