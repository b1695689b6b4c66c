import { ablationTable, escapeHtml, formatCell, htmlTable, markdownTable, trialTable } from './tables';

describe('formatCell()', () => {
  it('formats integers, decimals, tiny numbers and missing values', () => {
    expect(formatCell(32)).toBe('32');
    expect(formatCell(0.123456)).toBe('0.1235');
    expect(formatCell(0.000123)).toBe('1.230e-4');
    expect(formatCell(null)).toBe('–');
    expect(formatCell('adam')).toBe('adam');
  });
});

describe('trialTable()', () => {
  it('has one row per trial in order and one column per parameter', () => {
    const t = trialTable([
      { number: 1, state: 'PRUNED', params: { lr: 0.01 }, value: null, bestStep: null, seconds: null, intermediate: [] },
      { number: 0, state: 'COMPLETE', params: { lr: 0.001, opt: 'adam' }, value: 0.97, bestStep: 4, seconds: 12.34, intermediate: [] },
    ]);
    expect(t.headers).toEqual(['Trial', 'State', 'Value', 'Best step', 'Seconds', 'lr', 'opt']);
    expect(t.rows).toEqual([
      ['0', 'COMPLETE', '0.97', '4', '12.3', '0.001', 'adam'],
      ['1', 'PRUNED', '–', '–', '–', '0.01', '–'],
    ]);
  });
});

describe('markdownTable() and htmlTable()', () => {
  const table = { headers: ['a|b', 'c'], rows: [['<x>', 'y & z']] };

  it('escapes pipes in Markdown', () => {
    expect(markdownTable(table)).toBe('| a\\|b | c |\n| --- | --- |\n| <x> | y & z |');
  });

  it('escapes HTML', () => {
    expect(htmlTable(table)).toContain('<td>&lt;x&gt;</td><td>y &amp; z</td>');
    expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
  });
});

describe('ablationTable()', () => {
  it('orders image, audio, fused and prints percentages', () => {
    const t = ablationTable([
      { modality: 'both', valAccuracy: 0.98 },
      { modality: 'audio', valAccuracy: 0.9, note: 'x' },
      { modality: 'image', valAccuracy: 0.955 },
    ]);
    expect(t.rows).toEqual([
      ['image only', '95.50%', ''],
      ['audio only', '90.00%', 'x'],
      ['image + audio (fused)', '98.00%', ''],
    ]);
  });
});
