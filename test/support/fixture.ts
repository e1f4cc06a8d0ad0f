// The door's `fixture` namespace, for tests that would otherwise import a long list of names:
// everything that builds the app, puts data in or reads it back, as `fixture.createTestUser`.

export { ISO_TIMESTAMP, type Snapshot, snapshot, snapshotGroup, withoutLogin } from './api.js'
export {
  assertInvariants,
  brokenDatabaseConfig,
  buildApp,
  createTestGroup,
  createTestUser,
  embeddedDatabase,
  groupName,
  loginChangesHeard,
  onlyOnPostgres,
  otherProcessDatabase,
  postgresUrl,
  storedGroup,
  TEST_PASSWORD,
  type TestUser,
  testConfig,
  testDatabase,
} from './base.js'
export * from './clock.js'
export * from './documents.js'
export * from './fixtures.js'
export * from './routes.js'
export * from './seed.js'
export * from './users.js'
