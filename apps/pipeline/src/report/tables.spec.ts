import { ablationTable, escapeHtml, formatCell, fusionTable, htmlTable, keyValueTable, markdownTable, robustnessTables, trialTable } from './tables';

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
      { number: 1, state: 'PRUNED', params: { lr: 0.01 }, value: null, bestEpoch: null, seconds: null, intermediate: [] },
      { number: 0, state: 'COMPLETE', params: { lr: 0.001, opt: 'adam' }, value: 0.97, bestEpoch: 4, seconds: 12.34, intermediate: [] },
    ]);
    expect(t.headers).toEqual(['Trial', 'State', 'Value', 'Best epoch', 'Seconds', 'lr', 'opt']);
    expect(t.rows).toEqual([
      ['0', 'COMPLETE', '0.9700', '4', '12.3', '1.00e-3', 'adam'],
      ['1', 'PRUNED', '–', '–', '–', '0.01', '–'],
    ]);
  });

  it("brackets a pruned trial's value when it is another figure than the objective (its last clean accuracy)", () => {
    const trials = [
      { number: 0, state: 'COMPLETE' as const, params: {}, value: 0.9738, bestEpoch: 10, seconds: 31.6, intermediate: [] },
      { number: 6, state: 'PRUNED' as const, params: {}, value: 0.9788, bestEpoch: 4, seconds: 11.8, intermediate: [] },
    ];
    expect(trialTable(trials, 'clean validation accuracy').rows.map((r) => r[2])).toEqual(['0.9738', '(0.9788)']);
    expect(trialTable(trials).rows.map((r) => r[2])).toEqual(['0.9738', '0.9788']);
  });

  it('gives every value 4 decimals, as the dashboard and the text above it do (0.975 stood under 0.9738)', () => {
    const t = trialTable([{ number: 4, state: 'COMPLETE', params: {}, value: 0.975, bestEpoch: 10, seconds: 24.3, intermediate: [] }]);
    expect(t.rows[0][2]).toBe('0.9750');
  });

  it("writes each parameter as the dashboard does: three digits, an exponent under 0.01 (a column read 7.630e-4 over 0.005749)", () => {
    const t = trialTable([
      { number: 0, state: 'COMPLETE', params: { learning_rate: 0.000763, dropout: 0.42, units: 128 }, value: 0.9, bestEpoch: 4, seconds: 1, intermediate: [] },
      { number: 1, state: 'COMPLETE', params: { learning_rate: 0.00574873, dropout: 0.277831, units: 41 }, value: 0.8, bestEpoch: 4, seconds: 1, intermediate: [] },
    ]);
    expect(t.rows.map((r) => r.slice(5))).toEqual([
      ['0.42', '7.63e-4', '128'],
      ['0.278', '5.75e-3', '41'],
    ]);
  });

  it('marks a trial the search budget stopped early', () => {
    const t = trialTable([{ number: 2, state: 'COMPLETE', params: {}, value: 0.74, bestEpoch: 2, seconds: 18.6, intermediate: [], stoppedByBudget: true }]);
    expect(t.rows[0][1]).toBe('COMPLETE (budget)');
  });

  it('names the worker of each trial when several ran them (search.json records it then)', () => {
    const trial = { state: 'COMPLETE' as const, params: { lr: 0.01 }, value: 0.9, bestEpoch: 3, seconds: 10, intermediate: [] };
    const t = trialTable([
      { ...trial, number: 0, worker: 'lab-a' },
      { ...trial, number: 1, worker: 'lab-b' },
    ]);
    expect(t.headers).toEqual(['Trial', 'State', 'Value', 'Best epoch', 'Seconds', 'Worker', 'lr']);
    expect(t.rows.map((r) => r[5])).toEqual(['lab-a', 'lab-b']);
  });
});

describe('keyValueTable()', () => {
  it('prints a fraction with 4 decimals, as summary.md does (the report said 0.995 where summary.md said 0.9950)', () => {
    expect(keyValueTable({ 'validation accuracy': 0.995, 'training rows': 4000, backend: 'wasm' }).rows).toEqual([
      ['validation accuracy', '0.9950'],
      ['training rows', '4000'],
      ['backend', 'wasm'],
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

const score = (acc: number) => ({ acc, loss: 0.1 });

describe('fusionTable()', () => {
  it('lists each expert with its weight and accuracy as is and with shifted audio, then the product', () => {
    const t = fusionTable({
      weights: { fused: 1, image: 0.5, audio: 0.25 },
      clean: { fused: score(0.99), image: score(0.97), audio: score(0.86), product: score(0.995) },
      shifted: { fused: score(0.97), image: score(0.97), audio: score(0.56), product: score(0.98) },
    });
    expect(t.headers).toEqual(['Expert', 'Weight', 'Validation accuracy', 'With shifted audio']);
    expect(t.rows).toEqual([
      ["Fused head (the paper's classifier)", '1.00', '99.00%', '97.00%'],
      ['Image head', '0.50', '97.00%', '97.00%'],
      ['Audio head', '0.25', '86.00%', '56.00%'],
      ["Product of experts (the model's output)", '', '99.50%', '98.00%'],
    ]);
  });

  it('gives every weight two decimals, as the trial lines and summary.md do (0, 0.75 and 0.4342 stood in one column)', () => {
    const t = fusionTable({
      weights: { fused: 0, image: 0.75, audio: 0.434210526 },
      clean: { fused: score(0.97), image: score(0.9433), audio: score(0.7117), product: score(0.9783) },
      shifted: { fused: score(0.9467), image: score(0.9433), audio: score(0.4983), product: score(0.955) },
    });
    expect(t.rows.map((r) => r[1])).toEqual(['0.00', '0.75', '0.43', '']);
  });

  it("names attention fusion's fused head for what it is, not the paper's classifier", () => {
    const t = fusionTable({
      strategy: 'attention',
      weights: { fused: 1, image: 0.5, audio: 0.25 },
      clean: { fused: score(0.99), image: score(0.97), audio: score(0.86), product: score(0.995) },
      shifted: { fused: score(0.97), image: score(0.97), audio: score(0.56), product: score(0.98) },
    });
    expect(t.rows[0][0]).toBe('Fused head (image attending to the audio frames)');
  });
});

describe('robustnessTables()', () => {
  it('gives accuracy per set (a dash where a model did not run) and mean / worst per group', () => {
    const [perSet, summary] = robustnessTables({
      source: 'x',
      models: ['image only', 'robust fusion'],
      perSet: [{ set: 'theo-noisy', acc: [0.979, null] }],
      summary: [{ group: 'unseen speaker, noisy', model: 'image only', mean: 0.979, worst: 0.979, worstSet: 'theo-noisy' }],
      conclusion: 'y',
    });
    expect(perSet).toEqual({ headers: ['Set', 'image only', 'robust fusion'], rows: [['theo-noisy', '97.90%', '–']] });
    expect(summary.rows).toEqual([['unseen speaker, noisy', 'image only', '97.90%', '97.90% (theo-noisy)']]);
  });
});
