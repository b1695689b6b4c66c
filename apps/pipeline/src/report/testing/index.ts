export { gaussianBlobs } from './gaussian-blobs';
export { demoReportInput } from './demo-report-input';
