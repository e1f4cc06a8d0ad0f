import { sql } from 'kysely'
import type { Executor } from '../executor.js'

export interface Violation {
  rule: string
  subject: string
}

/**
 * Every rule the stored data must satisfy whatever requests ran, each as one query returning
 * the offending rows: membership, counters, names and secrets.
 */
const checks: Array<{ rule: string; query: ReturnType<typeof sql<{ subject: string }>> }> = [
  {
    rule: 'a group with members has an owner',
    query: sql`select r.id as subject from rooms r
      where exists (select 1 from room_members m where m.room_id = r.id)
        and not exists (select 1 from room_members m where m.room_id = r.id and 'owner' = any(m.roles))`,
  },
  {
    rule: 'a membership points to a live user and room',
    query: sql`select m.room_id || '/' || m.user_id as subject from room_members m
      left join users u on u.id = m.user_id left join rooms r on r.id = m.room_id
      where u.id is null or r.id is null`,
  },
  {
    rule: "a membership's username is its user's",
    query: sql`select m.room_id || '/' || m.user_id as subject from room_members m
      join users u on u.id = m.user_id where m.username <> u.username`,
  },
  {
    rule: 'msgs equals the stored messages',
    query: sql`select r.id as subject from rooms r
      where r.msgs <> (select count(*) from messages m where m.room_id = r.id)`,
  },
  {
    rule: 'usersCount equals the members',
    query: sql`select r.id as subject from rooms r
      where r.users_count <> (select count(*) from room_members m where m.room_id = r.id)`,
  },
  {
    rule: 'no two rooms share a name',
    query: sql`select name as subject from rooms group by name having count(*) > 1`,
  },
  {
    rule: 'passwords are stored as argon2id hashes',
    query: sql`select id as subject from users where password_hash not like '$argon2id$%'`,
  },
  {
    rule: 'login tokens are stored as SHA-256 hashes',
    query: sql`select user_id as subject from login_tokens
      where hashed_token !~ '^[A-Za-z0-9+/]{43}=$'`,
  },
]

export async function findViolations(db: Executor): Promise<Violation[]> {
  const found: Violation[] = []
  for (const check of checks) {
    const { rows } = await check.query.execute(db)
    for (const row of rows) found.push({ rule: check.rule, subject: row.subject })
  }
  return found
}
