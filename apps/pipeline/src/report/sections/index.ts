import { ablationSection } from './ablation-section';
import { dataSection } from './data-section';
import { embeddingsSection } from './embeddings-section';
import { evaluationSection } from './evaluation-section';
import { robustnessSection } from './robustness-section';
import { searchSection } from './search-section';
import type { ReportSection } from './section';
import { summarySection } from './summary-section';
export { SUMMARY_SECTION_ID } from './summary-section';
import { trainingSection } from './training-section';

export type { ReportSection, SectionContext } from './section';

/** The report's sections, in the order of the page. */
export const REPORT_SECTIONS: readonly ReportSection[] = [
  summarySection,
  embeddingsSection,
  trainingSection,
  evaluationSection,
  searchSection,
  ablationSection,
  robustnessSection,
  dataSection,
];
