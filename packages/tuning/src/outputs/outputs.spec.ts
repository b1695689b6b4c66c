import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { silentLogger } from '../logger';
import { ConfigError, TrialPruned } from '../errors';
import { JournalFileStorage } from '../storage/journal-file-storage';
import { NopPruner } from '../pruners/nop-pruner';
import { RandomSampler } from '../samplers/random-sampler';
import { createStudy, type Study } from '../study';
import { intermediateValues, optimizationHistory, parallelCoordinates } from './history';
import { paramImportances } from './param-importance';
import { bestParamsJson, trialsTable } from './trials-table';
import { trialSeconds } from '../trial-state';

async function smallStudy(): Promise<Study> {
  const study = await createStudy({ name: 'o', direction: 'maximize', sampler: new RandomSampler({ seed: 4 }), pruner: new NopPruner() });
  const curves = [
    [0.5, 0.7, 0.6],
    [0.4, 0.45],
    [0.8, 0.9, 0.95],
  ];
  for (const [i, curve] of curves.entries()) {
    const t = await study.ask();
    t.suggestFloat('lr', 1e-4, 1e-1, { log: true });
    t.suggestCategorical('act', ['relu', 'a,b']);
    curve.forEach((v, step) => t.report(v, step));
    if (i === 1) await study.tell(t, 'PRUNED');
    else await study.tell(t, Math.max(...curve));
  }
  return study;
}

describe('trialsTable()', () => {
  it('lists number, state, each parameter, value, what the value is, best step and seconds as Markdown and CSV', async () => {
    const study = await smallStudy();
    const table = trialsTable(study);
    expect(table.paramNames).toEqual(['lr', 'act']);
    expect(table.rows.map((r) => [r.number, r.state, r.value, r.bestStep])).toEqual([
      [0, 'COMPLETE', 0.7, 1],
      [1, 'PRUNED', 0.45, 1],
      [2, 'COMPLETE', 0.95, 2],
    ]);
    const md = table.markdown.trim().split('\n');
    expect(md[0]).toBe('| number | state | lr | act | value | value from | best step | seconds |');
    expect(md).toHaveLength(5);
    expect(md[2]).toMatch(/^\| 0 \| COMPLETE \| [0-9.e-]+ \| (relu|a,b) \| 0.7 \| objective +\| 1 \| \d+\.\d \|$/);
    const csv = table.csv.trim().split('\n');
    expect(csv[0]).toBe('number,state,lr,act,value,value from,best step,seconds');
    expect(csv).toHaveLength(4);
    // The choice "a,b" is quoted in CSV.
    const acts = study.trials.map((t) => t.params.act);
    acts.forEach((a, i) => expect(csv[i + 1]).toContain(a === 'a,b' ? ',"a,b",' : ',relu,'));
  });

  it('leaves the best step column out with bestStep: false (the rows keep it)', async () => {
    const table = trialsTable(await smallStudy(), { bestStep: false });
    expect(table.csv.split('\n')[0]).toBe('number,state,lr,act,value,value from,seconds');
    expect(table.markdown.split('\n')[0]).toBe('| number | state | lr | act | value | value from | seconds |');
    expect(table.markdown.split('\n')[2]).toMatch(/^\| 0 \| COMPLETE \| [0-9.e-]+ \| (relu|a,b) \| 0.7 \| objective +\| \d+\.\d \|$/);
    expect(table.rows.map((r) => r.bestStep)).toEqual([1, 1, 2]);
  });

  it("says a pruned trial's value is its last intermediate value and at which step, not the objective's (it read as a final value)", async () => {
    // Trial 1 reported 0.4 then 0.45 and was pruned: Optuna's value of it, 0.45, is of step 1.
    const study = await smallStudy();
    const table = trialsTable(study);
    expect(table.rows.map((r) => [r.state, r.value, r.valueFrom])).toEqual([
      ['COMPLETE', 0.7, 'objective'],
      ['PRUNED', 0.45, 'intermediate value at step 1'],
      ['COMPLETE', 0.95, 'objective'],
    ]);
    const csv = table.csv.trim().split('\n').map((l) => l.replace(/"[^"]*"/g, 'x').split(','));
    const [value, from] = ['value', 'value from'].map((c) => csv[0].indexOf(c));
    // The value stays a number a spreadsheet can read; the column beside it says what it is.
    expect(csv.slice(1).map((r) => [r[1], r[value], r[from]])).toEqual([
      ['COMPLETE', '0.7', 'objective'],
      ['PRUNED', '0.45', 'intermediate value at step 1'],
      ['COMPLETE', '0.95', 'objective'],
    ]);
    expect(table.markdown).toMatch(/\| 1 \| PRUNED \| .* \| 0\.45 \| intermediate value at step 1 \|/);
    // The caller names what the steps and the values are.
    const named = trialsTable(study, { prunedValue: (step) => `accuracy after epoch ${step}` });
    expect(named.rows[1].valueFrom).toBe('accuracy after epoch 1');
  });
});

describe('trialSeconds()', () => {
  it("gives a trial's whole time, start to end, and a running one's up to now", () => {
    expect(trialSeconds({ datetimeStart: 1_000, datetimeComplete: 2_400 })).toBe(1.4);
    expect(trialSeconds({ datetimeStart: 1_000, datetimeComplete: undefined })).toBeUndefined();
    expect(trialSeconds({ datetimeStart: 1_000, datetimeComplete: undefined }, 3_500)).toBe(2.5);
    expect(trialSeconds({ datetimeStart: undefined, datetimeComplete: 2_400 }, 3_500)).toBeUndefined();
  });
});

describe('trialsTable() of trials several workers ran', () => {
  it('adds a worker column: the host where several hosts ran them, with the process where one host ran several', async () => {
    const study = await smallStudy();
    const on = (host: string, pid: number) => ({ host, pid, id: `${host}-${pid}` });
    const workers = [on('lab-a', 7), on('lab-b', 8), on('lab-b', 9)];
    const table = trialsTable({ direction: study.direction, trials: study.trials.map((t, i) => ({ ...t, worker: workers[i] })) });
    const csv = table.csv.trim().split('\n');
    expect(csv[0]).toBe('number,state,lr,act,value,value from,best step,seconds,worker');
    expect(csv.slice(1).map((line) => line.split(',').at(-1))).toEqual(['lab-a', 'lab-b (pid 8)', 'lab-b (pid 9)']);
    expect(table.rows.map((r) => r.worker)).toEqual(['lab-a', 'lab-b (pid 8)', 'lab-b (pid 9)']);
    expect(table.markdown.split('\n')[0]).toBe('| number | state | lr | act | value | value from | best step | seconds | worker |');
    // One process ran them all (smallStudy): no column.
    expect(trialsTable(study).csv.split('\n')[0]).not.toContain('worker');
  });
});

describe('bestParamsJson()', () => {
  it('gives the best COMPLETE trial as JSON', async () => {
    const study = await smallStudy();
    const best = JSON.parse(bestParamsJson(study)) as { number: number; value: number; params: Record<string, unknown> };
    expect(best.number).toBe(2);
    expect(best.value).toBe(0.95);
    expect(best.params).toEqual(study.trials[2].params);
    expect(bestParamsJson(await createStudy({ name: 'empty' }))).toBe('null\n');
  });
});

describe('optimizationHistory() / intermediateValues() / parallelCoordinates()', () => {
  it('tracks the best value so far and exposes the learning curves', async () => {
    const study = await smallStudy();
    expect(optimizationHistory(study).map((p) => [p.number, p.value, p.best])).toEqual([
      [0, 0.7, 0.7],
      [1, 0.45, 0.7],
      [2, 0.95, 0.95],
    ]);
    expect(intermediateValues(study)[1]).toEqual({ number: 1, state: 'PRUNED', steps: [{ step: 0, value: 0.4 }, { step: 1, value: 0.45 }] });
    expect(parallelCoordinates(study).map((r) => r.number)).toEqual([0, 2]);
  });
});

describe('paramImportances()', () => {
  it('ranks the parameter that drives the objective first, sums to 1, and is seeded', async () => {
    const study = await createStudy({ name: 'imp', sampler: new RandomSampler({ seed: 11 }), pruner: new NopPruner() });
    await study.optimize(
      (t) => {
        const big = t.suggestFloat('big', 0, 1);
        const small = t.suggestInt('small', 1, 100, { log: true });
        const noise = t.suggestCategorical('noise', ['a', 'b', 'c']);
        return 10 * big * big + 0.05 * Math.log(small) + (noise === 'a' ? 0.001 : 0);
      },
      { nTrials: 40 },
    );
    const imp = paramImportances(study, { seed: 1, nTrees: 16 });
    expect(Object.keys(imp)[0]).toBe('big');
    expect(imp.big).toBeGreaterThan(0.8);
    expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    expect(paramImportances(study, { seed: 1, nTrees: 16 })).toEqual(imp);
    expect(paramImportances(await createStudy({ name: 'none' }))).toEqual({});
  });

  it('does not credit the first parameter by name when the trials cannot tell the parameters apart', async () => {
    // Two trials that differ in every parameter: each one splits them equally well, so none may take the credit.
    const study = await createStudy({ name: 'two', sampler: new RandomSampler({ seed: 3 }), pruner: new NopPruner() });
    const names = ['a_first', 'b', 'c', 'd', 'e', 'f'];
    await study.optimize((t) => {
      names.forEach((p) => t.suggestFloat(p, 0, 1));
      return t.number;
    }, { nTrials: 2 });
    const imp = paramImportances(study, { seed: 42 });
    expect(Math.max(...Object.values(imp))).toBeLessThan(0.4);
    expect(Object.values(imp).filter((v) => v > 0.05)).toHaveLength(names.length);
  });
});

describe('Trial.setUserAttr()', () => {
  it('keeps figures beside the value, in the journal across processes and as table columns after the value', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attrs-'));
    const journal = path.join(dir, 'study.jsonl');
    const open = () =>
      createStudy({ name: 'a', direction: 'maximize', sampler: new RandomSampler({ seed: 1 }), storage: new JournalFileStorage(journal), loadIfExists: true, logger: silentLogger });
    const study = await open();
    const t = await study.ask();
    t.suggestFloat('lr', 0.1, 1);
    t.setUserAttr('clean', 0.99);
    t.setUserAttr('shifted', 0.9);
    t.setUserAttr('clean', 0.98);
    t.setUserAttr('chosen by', 'shift-aware');
    expect(() => t.setUserAttr('bad', NaN)).toThrow(ConfigError);
    expect(() => t.setUserAttr('', 1)).toThrow(ConfigError);
    await study.tell(t, 0.9);
    expect(() => t.setUserAttr('late', 1)).toThrow(TrialPruned);
    const again = await open();
    expect(again.trials[0].userAttrs).toEqual({ clean: 0.98, shifted: 0.9, 'chosen by': 'shift-aware' });
    const table = trialsTable(again);
    expect(table.userAttrNames).toEqual(['clean', 'shifted', 'chosen by']);
    expect(table.csv.split('\n')[0]).toBe('number,state,lr,value,value from,clean,shifted,chosen by,best step,seconds');
    expect(table.csv.split('\n')[1]).toMatch(/^0,COMPLETE,[0-9.]+,0\.9,objective,0\.98,0\.9,shift-aware,,\d+\.\d$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('trialsTable() with hostile strings', () => {
  it('keeps formulas out of the CSV and markup out of the Markdown', async () => {
    const study = await createStudy({ name: 'h', sampler: new RandomSampler({ seed: 1 }), logger: silentLogger });
    const t = await study.ask();
    t.suggestCategorical('act', ['=HYPERLINK("http://x","y")']);
    t.setUserAttr('note', '<img src=x onerror=alert(1)>|');
    t.setUserAttr('neg', -1.5);
    await study.tell(t, 1);
    const table = trialsTable(study);
    const row = table.csv.trim().split('\n')[1];
    expect(row).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(row).toContain(',-1.5,');
    expect(table.markdown).toContain('&lt;img src=x onerror=alert(1)&gt;\\|');
    expect(table.markdown).not.toContain('<img');
  });
});
