/** @type {import('jest').Config} */
module.exports = { ...require('../jest.preset')('tools'), testMatch: ['<rootDir>/executors/**/*.spec.ts'] };
