import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import pg from 'pg'
import type { Db } from '../db/database.js'
import { hashPassword } from '../domain/auth/passwords.js'
import { hashLoginToken, newLoginToken } from '../domain/ids.js'
import type { BenchSettings } from './settings.js'

/** Spreads members over users: group g's k-th member is user ((g * STRIDE + k) mod users) + 1. */
export const STRIDE = 7919
export const LARGE_GROUP = 1
export const SMALL_GROUP = 2
export const SMALL_GROUP_SIZE = 5
/** Group g's size grows with ((g * SIZE_STEP) mod 1) ** SIZE_SKEW (see groupSizes). */
export const SIZE_STEP = 0.618_033_988_75
export const SIZE_SKEW = 12

export const userId = (n: number) => `u${String(n).padStart(16, '0')}`
export const roomId = (g: number) => `r${String(g).padStart(16, '0')}`

export interface Dataset {
  users: number
  /** Members per group, indexed by group number (index 0 unused). */
  sizes: number[]
  /** A login token per user, indexed by user number (index 0 unused). */
  tokens: string[]
  seconds: number
  rows: { members: number; messages: number }
}

/** User number of group g's k-th member; k at or past the group's size gives an outsider. */
export function memberOf(dataset: Dataset, g: number, k: number): number {
  return ((g * STRIDE + k) % dataset.users) + 1
}

/**
 * Group sizes from 2 to the maximum, skewed like real chats: most groups small, a few large.
 * Group 1 is the largest possible and group 2 has five members, for the scale comparison.
 */
function groupSizes(settings: BenchSettings): number[] {
  const sizes = [0]
  for (let g = 1; g <= settings.groups; g++) {
    const spread = (g * SIZE_STEP) % 1
    sizes.push(2 + Math.floor((settings.maxGroupSize - 2) * spread ** SIZE_SKEW))
  }
  sizes[LARGE_GROUP] = settings.maxGroupSize
  sizes[SMALL_GROUP] = SMALL_GROUP_SIZE
  return sizes
}

/** A fresh database on the server `adminUrl` points at; returns its URL and how to drop it. */
export async function createScratchDatabase(adminUrl: string) {
  const name = `groups_bench_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  const drop = async () => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    await client.query(`drop database if exists ${name} with (force)`)
    await client.end()
  }
  return { name, url: url.toString(), drop }
}

/** Fills a migrated database with set-based SQL, so even the default size takes seconds. */
export async function seed(db: Db, settings: BenchSettings): Promise<Dataset> {
  const started = performance.now()
  const { users, groups, messagesPerGroup: messages } = settings
  const sizes = groupSizes(settings)
  const passwordHash = await hashPassword('bench-password')
  const uid = (n: unknown) => sql`'u' || lpad((${n})::text, 16, '0')`
  const member = sql`((t.g * ${STRIDE} + k) % ${users}) + 1`

  await sql`insert into users (id, username, name, password_hash)
    select ${uid(sql`i`)}, 'user' || i, 'Bench User ' || i, ${passwordHash}
    from generate_series(1, ${users}) i`.execute(db)
  await sql`insert into user_roles (user_id, role_id)
    select ${uid(sql`i`)}, 'user' from generate_series(1, ${users}) i`.execute(db)

  const groupNumbers = sizes.map((_, g) => g).slice(1)
  const groupTable = sql`unnest(${groupNumbers}::int[], ${sizes.slice(1)}::int[]) as t(g, s)`
  const owner = sql`((t.g * ${STRIDE}) % ${users}) + 1`
  await sql`insert into rooms (id, name, fname, creator_id, creator_username, msgs, users_count)
    select 'r' || lpad(t.g::text, 16, '0'), 'bench-group-' || t.g, 'bench-group-' || t.g,
      ${uid(owner)}, 'user' || (${owner}), ${messages}, t.s
    from ${groupTable}`.execute(db)
  await sql`insert into room_members (room_id, user_id, roles)
    select 'r' || lpad(t.g::text, 16, '0'), ${uid(member)},
      case when k = 0 then '{owner}'::text[] else '{}'::text[] end
    from ${groupTable} cross join lateral generate_series(0, t.s - 1) k`.execute(db)
  await sql`insert into messages (id, room_id, msg, user_id, username, created_at, updated_at)
    select 'm' || lpad(((t.g - 1) * ${messages} + j)::text, 16, '0'),
      'r' || lpad(t.g::text, 16, '0'), 'message ' || j,
      ${uid(sql`((t.g * ${STRIDE} + j % t.s) % ${users}) + 1`)},
      'user' || (((t.g * ${STRIDE} + j % t.s) % ${users}) + 1),
      now() - make_interval(mins => ${messages} - j), now() - make_interval(mins => ${messages} - j)
    from ${groupTable} cross join lateral generate_series(1, ${messages}) j`.execute(db)

  const tokens = ['']
  const hashes: string[] = []
  for (let n = 1; n <= users; n++) {
    const token = newLoginToken()
    tokens.push(token)
    hashes.push(hashLoginToken(token))
  }
  await sql`insert into login_tokens (user_id, hashed_token)
    select 'u' || lpad(n::text, 16, '0'), h
    from unnest(${hashes}::text[]) with ordinality as t(h, n)`.execute(db)
  await sql`vacuum analyze`.execute(db)

  const members = sizes.reduce((sum, size) => sum + size, 0)
  return {
    users,
    sizes,
    tokens,
    seconds: (performance.now() - started) / 1000,
    rows: { members, messages: groups * messages },
  }
}
