/** What one benchmark run does; every figure can be changed through the environment. */
export interface BenchSettings {
  databaseUrl: string
  users: number
  groups: number
  messagesPerGroup: number
  maxGroupSize: number
  connections: number
  durationSeconds: number
  poolSize: number
  /**
   * Only the scenarios named here (`--only <names>` or `BENCH_SCENARIOS`, comma-separated);
   * empty runs all.
   */
  only: string[]
  /**
   * `--profile[=<label>]`: the label of a CPU profile and flame graph of the service over each
   * scenario's measured seconds (bench/flame-graph.ts), '' for none; undefined: no profile.
   */
  profile: string | undefined
  /** Where the service writes a CPU profile (`--cpu-prof`) when it stops; empty for none. */
  cpuProfileDir: string
  /** The embedded-database scenario's smaller data set; absent with BENCH_EMBEDDED=0. */
  embedded: { users: number; groups: number; messagesPerGroup: number } | undefined
  /**
   * The events scenario (bench/events.ts): sockets over two processes, one per user, in groups
   * of `groupSize`; group changes per second through REST; seconds measured.
   */
  events: { sockets: number; groupSize: number; rate: number; durationSeconds: number }
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number`)
  return Number(raw)
}

/** The value of `--name value` or `--name=value`; '' for a bare `--name`; undefined if absent. */
function option(argv: string[], name: string): string | undefined {
  const index = argv.findIndex((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`))
  if (index < 0) return undefined
  const arg = argv[index] ?? ''
  if (arg.includes('=')) return arg.slice(arg.indexOf('=') + 1)
  const next = argv[index + 1]
  return next && !next.startsWith('--') ? next : ''
}

export function benchSettings(
  env: NodeJS.ProcessEnv = process.env,
  argv: string[] = process.argv.slice(2),
): BenchSettings {
  const profile = option(argv, 'profile')
  if (profile !== undefined && !/^[\w-]*$/.test(profile)) {
    throw new Error('--profile takes a label of letters, digits, - and _')
  }
  const users = Math.max(20, whole(env, 'BENCH_USERS', 10_000))
  return {
    databaseUrl: env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    users,
    groups: Math.max(2, whole(env, 'BENCH_GROUPS', 2_000)),
    messagesPerGroup: whole(env, 'BENCH_MESSAGES', 300),
    // Half the users at most, so even the largest group has outsiders to invite.
    maxGroupSize: Math.min(5_000, Math.floor(users / 2)),
    connections: Math.max(1, whole(env, 'BENCH_CONNECTIONS', 50)),
    durationSeconds: Math.max(1, whole(env, 'BENCH_DURATION', 10)),
    // The service's own default pool size, so the database-alone loop gets the same pool.
    poolSize: Math.max(1, whole(env, 'BENCH_POOL_SIZE', 10)),
    only: (option(argv, 'only') ?? env.BENCH_SCENARIOS ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    profile,
    cpuProfileDir: env.BENCH_CPU_PROFILE ?? '',
    embedded:
      env.BENCH_EMBEDDED === '0'
        ? undefined
        : {
            users: Math.max(20, whole(env, 'BENCH_EMBEDDED_USERS', 2_000)),
            groups: Math.max(2, whole(env, 'BENCH_EMBEDDED_GROUPS', 200)),
            messagesPerGroup: whole(env, 'BENCH_EMBEDDED_MESSAGES', 20),
          },
    events: {
      sockets: Math.max(2, whole(env, 'BENCH_EVENTS_SOCKETS', 1_000)),
      groupSize: Math.max(2, whole(env, 'BENCH_EVENTS_GROUP_SIZE', 10)),
      rate: Math.max(1, whole(env, 'BENCH_EVENTS_RATE', 100)),
      durationSeconds: Math.max(1, whole(env, 'BENCH_EVENTS_DURATION', 5)),
    },
  }
}

/** The settings of the embedded scenario's data set, in the shape `seed` takes. */
export function embeddedDataSettings(settings: BenchSettings): BenchSettings | undefined {
  if (!settings.embedded) return undefined
  const { users, groups, messagesPerGroup } = settings.embedded
  return {
    ...settings,
    users,
    groups,
    messagesPerGroup,
    maxGroupSize: Math.min(5_000, Math.floor(users / 2)),
  }
}
