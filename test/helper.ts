// The one entry point of the tests: the builder, the request helpers and the fixtures, and a few
// namespaces for what only some files need (`fixture.…`, `ddp.…`, `catchUp.…`).
export * from './support/base.js'
export * as catchUp from './support/catch-up.js'
export * as ddp from './support/ddp.js'
export * as fixture from './support/fixture.js'
export * from './support/index.js'
