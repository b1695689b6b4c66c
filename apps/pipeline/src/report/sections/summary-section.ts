import { keyValueTable } from '../tables';
import type { ReportSection } from './section';

/** The run's key facts as one table. */
export const summarySection: ReportSection = {
  id: 'summary',
  title: 'Summary',
  render: (input, ctx) => ctx.table(keyValueTable(input.summary), 'Run'),
};
