/**
 * Demo (not a test): a report from synthetic data, to look at the figures and time the report.
 *   npx tsx apps/pipeline/src/report/demo-report.ts [outDir=/tmp/report-demo] [points=2000]
 */
import { runMain } from '@digitfuse/core';
import { demoReportInput } from './testing/demo-report-input';
import { writeReport } from './write-report';

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? '/tmp/report-demo';
  const points = Number(process.argv[3] ?? 2000);
  const input = demoReportInput(points);
  const result = await writeReport(input, outDir, { seed: 0, log: (m) => console.log(`report: ${m}`) });
  const figures = result.files.filter((file) => file.endsWith('.png')).length;
  console.log(`report: wrote ${result.files.length - figures} pages and ${figures} figures to ${outDir}`);
  console.log(JSON.stringify({ seconds: Number(result.seconds.toFixed(1)), clustering: result.clustering, files: result.files.length }));
}

if (require.main === module) runMain(main);
