import { dataOf, type Stage } from '../context';
import { writeJson } from '../run-artifacts';

/** Stage 1: load, validate, preprocess and cache the competition's files. */
export const dataStage: Stage = {
  name: 'data',
  title: 'data: load, validate, preprocess (cached when the inputs are unchanged)',
  async run(ctx) {
    const data = await dataOf(ctx);
    writeJson(ctx.layout.dataSummary, data.summary);
    return {
      trainRows: data.train.n,
      testRows: data.test?.n ?? 0,
      splitTrain: data.split.train.length,
      splitVal: data.split.val.length,
    };
  },
};
