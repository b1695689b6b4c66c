export { demoReportInput } from './demo-report-input';
