import pg from 'pg'
import { maskDatabaseUrl } from './connection-failure.js'

/** The start refused: named prepared statements would break on this connection pooler. */
export class StatementsLostError extends Error {
  override name = 'StatementsLostError'
}

/** What a probe of the database URL found about sessions and named statements. */
export type SessionProbe = 'one-session' | 'statements-kept' | 'statements-lost'

/**
 * Whether a named prepared statement outlives its transaction on this URL. Client A prepares a
 * named statement; client B then holds a transaction open, so a transaction pooler must give A's
 * next statement another server connection (PgBouncer reuses the connection A just released for
 * B). A's connection still being the same server session is PostgreSQL or a session pooler;
 * another session that knows the statement is a pooler that keeps them (PgBouncer 1.21+ with
 * `max_prepared_statements`); one that does not is a pooler that loses them.
 */
export async function probeSessions(url: string): Promise<SessionProbe> {
  const [a, b] = [new pg.Client(url), new pg.Client(url)]
  try {
    await Promise.all([a.connect(), b.connect()])
    const backend = { name: `pool_probe_${process.pid}`, text: 'select pg_backend_pid() as pid' }
    const pid = async (client: pg.Client, query: pg.QueryConfig | string) =>
      ((await client.query(query)).rows[0] as { pid: number }).pid
    const first = await pid(a, backend)
    await b.query('begin')
    await pid(b, 'select pg_backend_pid() as pid')
    let second: number
    try {
      second = await pid(a, backend)
    } catch (error) {
      if ((error as { code?: string }).code === '26000') return 'statements-lost'
      throw error
    } finally {
      await b.query('rollback')
    }
    return second === first ? 'one-session' : 'statements-kept'
  } finally {
    await Promise.all([a.end().catch(() => {}), b.end().catch(() => {})])
  }
}

/** Refuses named prepared statements behind a pooler that loses them between transactions. */
export async function checkNamedStatements(url: string): Promise<SessionProbe> {
  const found = await probeSessions(url)
  if (found === 'statements-lost') {
    throw new StatementsLostError(
      `DATABASE_URL ${maskDatabaseUrl(url)}: a transaction pooler that does not keep prepared statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements); set DATABASE_PREPARED_STATEMENTS=false`,
    )
  }
  return found
}
