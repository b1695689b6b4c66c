export { SubmissionError, UploadError } from './errors';
export { formatSubmission, writeSubmission, SUBMISSION_HEADER } from './write-submission';
export { validateSubmission, type SubmissionSummary } from './validate-submission';
export { predict, type InputsFor, type PredictOptions, type Predictions } from './predict';
export { planUpload, upload, shellQuote, type UploadArgs, type UploadPlan, type UploadResult } from './upload';
export { predictProbaTta, shiftImages, TTA_SHIFTS } from './tta';
