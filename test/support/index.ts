// What test/helper.ts hands test files besides the builder: import these from there.
export * from './api.js'
export * from './clock.js'
export * from './fixtures.js'
export * from './paths.js'
export * from './routes.js'
export * from './seed.js'
export * from './users.js'
export * from './wait.js'
