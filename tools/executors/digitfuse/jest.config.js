/** @type {import('jest').Config} */
module.exports = { ...require('../../../jest.preset')('executors'), testMatch: ['<rootDir>/*.spec.ts'] };
