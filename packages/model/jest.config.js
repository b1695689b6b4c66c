/** @type {import('jest').Config} */
module.exports = { ...require('../../jest.preset')('model'), setupFiles: ['<rootDir>/jest.setup.ts'] };
