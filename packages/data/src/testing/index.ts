export { npyBytes, type NpyBytesOptions } from './npy-bytes';
export { writeCompetitionFixture, makeTempDir, labelsCsv, type CompetitionFixture, type CompetitionFixtureOptions } from './fixtures';
