import { keyValueTable } from '../tables';
import type { ReportSection } from './section';

/** The id of the section that shows `input.summary` (drawn last when `finalSummary` is given). */
export const SUMMARY_SECTION_ID = 'summary';

/** The run's key facts as one table. */
export const summarySection: ReportSection = {
  id: SUMMARY_SECTION_ID,
  title: 'Summary',
  render: (input, ctx) => ctx.table(keyValueTable(input.summary), 'Run'),
};
