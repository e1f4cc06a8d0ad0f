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
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number`)
  return Number(raw)
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
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
  }
}
