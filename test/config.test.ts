// database-free
import { readFileSync } from 'node:fs'
import t, { type Test } from 'tap'
import { ConfigError, ConfigSchema, loadConfig } from '../config.js'
import { projectFile } from './support/paths.js'

/** The webhook settings when none is given (no test here sets them). */
const WEBHOOK_DEFAULTS = {
  WEBHOOK_ENCRYPTION_KEY: '',
  WEBHOOK_SECRET_OVERLAP_MS: 86400000,
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: false,
  WEBHOOK_RETRY_UNIT_MS: 1000,
  WEBHOOKS_DELIVER: true,
}

t.test('defaults: an empty environment gives a working configuration', async (t) => {
  t.same(loadConfig({}), {
    PORT: 3000,
    HOST: '127.0.0.1',
    DATABASE_URL: '',
    DATABASE_LISTEN_URL: '',
    DATABASE_POOL_SIZE: 10,
    DATABASE_PREPARED_STATEMENTS: true,
    DATA_DIR: './data',
    LOG_LEVEL: 'info',
    BODY_LIMIT: 102400,
    ROOM_NAME_PATTERN: '^[0-9a-zA-Z-_.]+$',
    ADMIN_USERNAME: 'admin',
    ADMIN_PASS: '',
    ADMIN_EMAIL: '',
    ADMIN_NAME: 'Administrator',
    CREATE_ROCKET_CAT: true,
    RATE_LIMIT_MAX: 10,
    RATE_LIMIT_WINDOW_MS: 60000,
    LOGIN_MAX_FAILURES_PER_USER: 10,
    LOGIN_MAX_FAILURES_PER_IP: 50,
    LOGIN_BLOCK_WINDOW_MS: 300000,
    CORS_ORIGIN: '',
    TRUST_PROXY: '',
    ALLOW_REGISTRATION: false,
    AUTH_CACHE_TTL_MS: 60000,
    AUTH_CACHE_MAX_TOKENS: 10000,
    METRICS: false,
    REALTIME_MAX_FRAME_BYTES: 65536,
    REALTIME_CONNECT_TIMEOUT_MS: 10000,
    REALTIME_LOGIN_TIMEOUT_MS: 60000,
    REALTIME_PING_AFTER_MS: 30000,
    REALTIME_PONG_TIMEOUT_MS: 60000,
    REALTIME_MAX_SUBSCRIPTIONS: 100,
    REALTIME_MAX_CONNECTIONS_PER_USER: 20,
    REALTIME_MESSAGES_PER_SECOND: 20,
    REALTIME_MESSAGE_BURST: 100,
    REALTIME_SEND_BUFFER_BYTES: 1048576,
    REALTIME_POLL_MS: 1000,
    REALTIME_SSE_KEEPALIVE_MS: 15000,
    PRESENCE_HEARTBEAT_MS: 20000,
    PRESENCE_EXPIRY_MS: 60000,
    EVENTS_RETENTION_MS: 604800000,
    EVENTS_PRUNE_INTERVAL_MS: 60000,
    EVENTS_TICKET_RESUME_MS: 300000,
    ...WEBHOOK_DEFAULTS,
    STRICT_REFUSALS: false,
  })
})

t.test('values are read from the environment given, numbers converted', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://app@db.example:5432/groups',
    DATABASE_POOL_SIZE: '25',
    DATABASE_PREPARED_STATEMENTS: 'false',
    DATA_DIR: '/var/lib/groups',
    LOG_LEVEL: 'warn',
    BODY_LIMIT: '2048',
    ROOM_NAME_PATTERN: '^[a-z]+$',
    ADMIN_USERNAME: 'root',
    ADMIN_PASS: 's3cret',
    ADMIN_EMAIL: 'root@example.com',
    ADMIN_NAME: 'Root',
    CREATE_ROCKET_CAT: 'false',
    RATE_LIMIT_MAX: '0',
    RATE_LIMIT_WINDOW_MS: '1000',
    LOGIN_MAX_FAILURES_PER_USER: '3',
    LOGIN_MAX_FAILURES_PER_IP: '7',
    LOGIN_BLOCK_WINDOW_MS: '60000',
    CORS_ORIGIN: 'https://app.example',
    TRUST_PROXY: '10.0.0.0/8',
    ALLOW_REGISTRATION: 'true',
    AUTH_CACHE_TTL_MS: '0',
    AUTH_CACHE_MAX_TOKENS: '500',
    METRICS: 'true',
    REALTIME_MAX_FRAME_BYTES: '2048',
    REALTIME_CONNECT_TIMEOUT_MS: '500',
    REALTIME_LOGIN_TIMEOUT_MS: '1500',
    REALTIME_PING_AFTER_MS: '1000',
    REALTIME_PONG_TIMEOUT_MS: '2000',
    REALTIME_MAX_SUBSCRIPTIONS: '5',
    REALTIME_MAX_CONNECTIONS_PER_USER: '7',
    REALTIME_MESSAGES_PER_SECOND: '3',
    REALTIME_MESSAGE_BURST: '6',
    REALTIME_SEND_BUFFER_BYTES: '4096',
    REALTIME_POLL_MS: '250',
    REALTIME_SSE_KEEPALIVE_MS: '5000',
    PRESENCE_HEARTBEAT_MS: '5000',
    PRESENCE_EXPIRY_MS: '15000',
    EVENTS_RETENTION_MS: '86400000',
    EVENTS_PRUNE_INTERVAL_MS: '30000',
    STRICT_REFUSALS: 'true',
  })

  t.same(config, {
    PORT: 8080,
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://app@db.example:5432/groups',
    DATABASE_LISTEN_URL: '',
    DATABASE_POOL_SIZE: 25,
    DATABASE_PREPARED_STATEMENTS: false,
    DATA_DIR: '/var/lib/groups',
    LOG_LEVEL: 'warn',
    BODY_LIMIT: 2048,
    ROOM_NAME_PATTERN: '^[a-z]+$',
    ADMIN_USERNAME: 'root',
    ADMIN_PASS: 's3cret',
    ADMIN_EMAIL: 'root@example.com',
    ADMIN_NAME: 'Root',
    CREATE_ROCKET_CAT: false,
    RATE_LIMIT_MAX: 0,
    RATE_LIMIT_WINDOW_MS: 1000,
    LOGIN_MAX_FAILURES_PER_USER: 3,
    LOGIN_MAX_FAILURES_PER_IP: 7,
    LOGIN_BLOCK_WINDOW_MS: 60000,
    CORS_ORIGIN: 'https://app.example',
    TRUST_PROXY: '10.0.0.0/8',
    ALLOW_REGISTRATION: true,
    AUTH_CACHE_TTL_MS: 0,
    AUTH_CACHE_MAX_TOKENS: 500,
    METRICS: true,
    REALTIME_MAX_FRAME_BYTES: 2048,
    REALTIME_CONNECT_TIMEOUT_MS: 500,
    REALTIME_LOGIN_TIMEOUT_MS: 1500,
    REALTIME_PING_AFTER_MS: 1000,
    REALTIME_PONG_TIMEOUT_MS: 2000,
    REALTIME_MAX_SUBSCRIPTIONS: 5,
    REALTIME_MAX_CONNECTIONS_PER_USER: 7,
    REALTIME_MESSAGES_PER_SECOND: 3,
    REALTIME_MESSAGE_BURST: 6,
    REALTIME_SEND_BUFFER_BYTES: 4096,
    REALTIME_POLL_MS: 250,
    REALTIME_SSE_KEEPALIVE_MS: 5000,
    PRESENCE_HEARTBEAT_MS: 5000,
    PRESENCE_EXPIRY_MS: 15000,
    EVENTS_RETENTION_MS: 86400000,
    EVENTS_PRUNE_INTERVAL_MS: 30000,
    EVENTS_TICKET_RESUME_MS: 300000,
    ...WEBHOOK_DEFAULTS,
    STRICT_REFUSALS: true,
  })
  t.equal(typeof config.PORT, 'number')
})

t.test('variables the service does not know are left out', async (t) => {
  const config = loadConfig({ PATH: '/usr/bin', HOME: '/root', PORT: '4000' })

  t.equal(config.PORT, 4000)
  t.notOk('PATH' in config)
  t.notOk('HOME' in config)
})

t.test('loading with no argument reads process.env', async (t) => {
  const saved = process.env.PORT
  t.teardown(() => {
    if (saved === undefined) delete process.env.PORT
    else process.env.PORT = saved
  })
  process.env.PORT = '4321'

  t.equal(loadConfig().PORT, 4321)
})

/** Loading `env` fails with a ConfigError whose message starts with the variable's name. */
function configError(t: Test, env: Record<string, string>, variable: string) {
  let thrown: unknown
  try {
    loadConfig(env)
  } catch (error) {
    thrown = error
  }
  t.type(thrown, ConfigError, JSON.stringify(env))
  t.match(
    String((thrown as Error | undefined)?.message),
    new RegExp(`^Invalid configuration: ${variable} `),
  )
}

/** Each variable set alone to its value is refused by its name. */
function refusedByName(t: Test, cases: Array<[variable: string, value: string]>) {
  for (const [variable, value] of cases) configError(t, { [variable]: value }, variable)
}

t.test('an invalid PORT is refused with an error naming PORT', async (t) => {
  for (const port of ['abc', '70000', '-1', '']) configError(t, { PORT: port }, 'PORT')
})

t.test('an invalid LOG_LEVEL is refused with an error naming LOG_LEVEL', async (t) => {
  for (const level of ['loud', 'INFO', '']) configError(t, { LOG_LEVEL: level }, 'LOG_LEVEL')
})

t.test('an enumerated or boolean setting lists its allowed values', async (t) => {
  t.throws(() => loadConfig({ LOG_LEVEL: 'verbose' }), {
    name: 'ConfigError',
    message:
      'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
  })
  t.throws(() => loadConfig({ METRICS: 'yes' }), {
    name: 'ConfigError',
    message: 'Invalid configuration: METRICS must be true or false (got "yes")',
  })
  t.throws(() => loadConfig({ DATABASE_PREPARED_STATEMENTS: 'off' }), {
    name: 'ConfigError',
    message:
      'Invalid configuration: DATABASE_PREPARED_STATEMENTS must be true or false (got "off")',
  })
})

t.test('DATABASE_URL must be empty or a postgres:// URL, shown without its password', async (t) => {
  const expected = (got: string) =>
    `Invalid configuration: DATABASE_URL must be empty (the embedded database) or a URL like postgres://user:password@host:5432/database (got "${got}")`
  t.throws(() => loadConfig({ DATABASE_URL: 'localhost/groups' }), {
    name: 'ConfigError',
    message: expected('localhost/groups'),
  })
  t.throws(() => loadConfig({ DATABASE_URL: 'mysql://app:s3cret@db/groups' }), {
    message: expected('mysql://app:***@db/groups'),
  })
  for (const url of [
    '',
    'postgres://app@db/groups',
    'postgresql://app:x@db:5433/groups?ssl=true',
  ]) {
    t.equal(loadConfig({ DATABASE_URL: url }).DATABASE_URL, url)
  }
})

t.test('an invalid ROOM_NAME_PATTERN regular expression is refused', async (t) => {
  for (const pattern of ['[', '(unclosed', '*x']) {
    configError(t, { ROOM_NAME_PATTERN: pattern }, 'ROOM_NAME_PATTERN')
  }
  configError(t, { ROOM_NAME_PATTERN: '' }, 'ROOM_NAME_PATTERN')
})

t.test('other out-of-range values are refused by name', async (t) => {
  refusedByName(t, [
    ['BODY_LIMIT', '10'],
    ['DATABASE_POOL_SIZE', '0'],
    ['DATABASE_POOL_SIZE', 'many'],
    ['HOST', ''],
    ['ADMIN_USERNAME', ''],
    ['RATE_LIMIT_MAX', '-1'],
    ['RATE_LIMIT_WINDOW_MS', '10'],
    ['LOGIN_MAX_FAILURES_PER_USER', 'ten'],
    ['LOGIN_BLOCK_WINDOW_MS', '0'],
    ['CREATE_ROCKET_CAT', 'yes'],
  ])
})

t.test('the event log keeps changes from one minute to one year', async (t) => {
  refusedByName(t, [
    ['EVENTS_RETENTION_MS', '59999'],
    ['EVENTS_RETENTION_MS', '31536000001'],
    ['EVENTS_PRUNE_INTERVAL_MS', '99'],
    ['EVENTS_PRUNE_INTERVAL_MS', '86400001'],
  ])
  const bounds = loadConfig({ EVENTS_RETENTION_MS: '60000', EVENTS_PRUNE_INTERVAL_MS: '86400000' })
  t.equal(bounds.EVENTS_RETENTION_MS, 60000)
  t.equal(bounds.EVENTS_PRUNE_INTERVAL_MS, 86400000)
  t.equal(loadConfig({ EVENTS_RETENTION_MS: '31536000000' }).EVENTS_RETENTION_MS, 31536000000)
})

t.test('PRESENCE_EXPIRY_MS must be greater than PRESENCE_HEARTBEAT_MS', async (t) => {
  t.throws(() => loadConfig({ PRESENCE_HEARTBEAT_MS: '30000', PRESENCE_EXPIRY_MS: '30000' }), {
    name: 'ConfigError',
    message:
      'Invalid configuration: PRESENCE_EXPIRY_MS must be greater than PRESENCE_HEARTBEAT_MS (got 30000 and 30000)',
  })
  configError(t, { PRESENCE_EXPIRY_MS: '20000' }, 'PRESENCE_EXPIRY_MS')
  configError(t, { PRESENCE_HEARTBEAT_MS: '10' }, 'PRESENCE_HEARTBEAT_MS')
  t.equal(loadConfig({ PRESENCE_EXPIRY_MS: '20001' }).PRESENCE_EXPIRY_MS, 20001)
})

/** The rows of the README's configuration table: each variable with its default as written. */
function readmeConfigurationTable(): Map<string, string> {
  const readme = readFileSync(projectFile('README.md'), 'utf8')
  const section = readme.split(/^## /m).find((part) => part.startsWith('Configuration\n'))
  if (!section) throw new Error('the README has no "## Configuration" section')
  const rows = new Map<string, string>()
  for (const line of section.split('\n')) {
    const row = /^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/.exec(line)
    if (row?.[1] && row[2] !== undefined) rows.set(row[1], row[2].trim())
  }
  return rows
}

/** Every variable the service reads: its configuration schema is the only reader of the environment. */
const readVariables = Object.keys(ConfigSchema.properties).sort()

t.test('WEBHOOK_ENCRYPTION_KEY is empty or at least 32 characters', async (t) => {
  t.throws(() => loadConfig({ WEBHOOK_ENCRYPTION_KEY: 'short' }), {
    name: 'ConfigError',
    message:
      'Invalid configuration: WEBHOOK_ENCRYPTION_KEY must be empty or at least 32 characters',
  })
  t.equal(
    loadConfig({ WEBHOOK_ENCRYPTION_KEY: 'k'.repeat(32) }).WEBHOOK_ENCRYPTION_KEY,
    'k'.repeat(32),
  )
})

t.test("the README's configuration table has every variable the service reads", async (t) => {
  const documented = [...readmeConfigurationTable().keys()]
  t.ok(documented.length > 10, `the table is found (${documented.length} rows)`)
  t.same(
    readVariables.filter((name) => !documented.includes(name)),
    [],
    'read but missing from the table',
  )
  t.same(
    documented.filter((name) => !readVariables.includes(name)),
    [],
    'in the table but never read',
  )
  t.equal(new Set(documented).size, documented.length, 'each variable has one row')
})

t.test("the README's configuration table gives each variable's default", async (t) => {
  const table = readmeConfigurationTable()
  const defaults = loadConfig({})
  for (const name of readVariables) {
    if (!table.has(name)) continue
    const value = String(defaults[name as keyof typeof defaults])
    t.equal(table.get(name), value === '' ? '*(empty)*' : `\`${value}\``, name)
  }
})

t.test('DATABASE_LISTEN_URL: empty, or a postgres:// URL beside DATABASE_URL', async (t) => {
  const direct = 'postgres://app:s3cret@db:5432/groups'
  const pooled = 'postgres://app:s3cret@pooler:6432/groups'
  t.equal(loadConfig({}).DATABASE_LISTEN_URL, '', 'empty: the listener uses DATABASE_URL')
  t.equal(
    loadConfig({ DATABASE_URL: pooled, DATABASE_LISTEN_URL: direct }).DATABASE_LISTEN_URL,
    direct,
  )
  const expected = (got: string) =>
    `Invalid configuration: DATABASE_LISTEN_URL must be empty (DATABASE_URL's) or, with DATABASE_URL set, a URL like postgres://user:password@host:5432/database (got "${got}")`
  t.throws(() => loadConfig({ DATABASE_URL: pooled, DATABASE_LISTEN_URL: 'db:5432' }), {
    name: 'ConfigError',
    message: expected('db:5432'),
  })
  t.throws(() => loadConfig({ DATABASE_LISTEN_URL: direct }), {
    message: expected('postgres://app:***@db:5432/groups'),
  })
})
