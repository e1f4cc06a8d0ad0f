// The one entry point of the tests: the builder, the request helpers and the fixtures.
export * from './support/base.js'
export * as fixture from './support/fixture.js'
export * from './support/index.js'
