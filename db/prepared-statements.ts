import { createHash } from 'node:crypto'
import pg from 'pg'

/**
 * Statement texts given a name, at most. Every named statement stays allocated on every server
 * connection that ran it, and some texts vary (IN lists, optional filters): past this many,
 * new texts run unnamed.
 */
export const MAX_NAMED_STATEMENTS = 500

/** Times a text gets a fresh name after the server refused its statement; then it runs unnamed. */
export const MAX_RENEWALS = 3

const TRANSACTION_CONTROL = /^\s*(begin|start|commit|end|rollback|abort|savepoint|release)\b/i

/**
 * A prepared statement the server can no longer run: its result columns changed with the schema
 * ("cached plan must not change result type", raised when the plan is revalidated), or the
 * connection no longer has it (after DISCARD ALL, or behind a pooler that moved the session).
 */
function isStaleStatement(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown }
  return (code === '0A000' && routine === 'RevalidateCachedQuery') || code === '26000'
}

function baseName(text: string): string {
  return `q_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`
}

/**
 * The names of the statements sent as named prepared statements: derived from the text, so
 * every connection (and every process) gives one text the same name.
 */
export class StatementNames {
  readonly #names = new Map<string, string>()
  readonly #renewals = new Map<string, number>()
  #suspended = 0

  /** The name to prepare `text` under, or undefined to run it unnamed. */
  nameFor(text: string, parameterCount: number): string | undefined {
    if (this.#suspended > 0) return
    const known = this.#names.get(text)
    if (known !== undefined) return known || undefined
    // Without parameters pg sends the simple protocol (one round trip, several statements allowed).
    if (parameterCount === 0 || text.includes(';') || TRANSACTION_CONTROL.test(text)) return
    if (this.#names.size >= MAX_NAMED_STATEMENTS) return
    const name = baseName(text)
    this.#names.set(text, name)
    return name
  }

  /**
   * After the server refused the prepared statement `stale`: the name `text` runs under from
   * now on, on every connection (each prepares it again), or undefined once it ran unnamed.
   */
  renew(text: string, stale: string): string | undefined {
    const current = this.#names.get(text)
    if (current !== stale) return current || undefined
    const renewals = (this.#renewals.get(text) ?? 0) + 1
    this.#renewals.set(text, renewals)
    // An empty name keeps the text counted, unnamed for good.
    const renewed = renewals > MAX_RENEWALS ? '' : `${baseName(text)}_${renewals}`
    this.#names.set(text, renewed)
    return renewed || undefined
  }

  /**
   * Runs `work` (the migrations) with nothing newly named: a statement prepared while the
   * schema changes could be planned against tables a later migration alters.
   */
  async unnamedWhile<T>(work: () => Promise<T>): Promise<T> {
    this.#suspended++
    try {
      return await work()
    } finally {
      this.#suspended--
    }
  }
}

const OPENS_TRANSACTION = /^\s*(begin|start\s+transaction)\b/i
// Not `rollback to savepoint`, which leaves the transaction open.
const ENDS_TRANSACTION = /^\s*(commit|end|rollback|abort)\s*$/i

/**
 * A pg Client (over `Base`) whose parameterized `query(text, values)` calls, the ones Kysely's
 * PostgreSQL driver makes, are sent as named prepared statements, so the server parses each
 * text once per connection. A prepared statement the server refuses (see STALE_STATEMENT) is
 * given a fresh name; the call is retried when it ran outside a transaction (the server refuses
 * it at Bind, before executing anything), and inside one the transaction fails and the next
 * one prepares the statement anew: a schema change cannot leave a statement failing for good.
 */
export function namedStatementClient(
  names: StatementNames,
  Base: typeof pg.Client = pg.Client,
): typeof pg.Client {
  return class NamedStatementClient extends Base {
    /** Seen from the statements sent: `Base` may hold BEGIN back (pg-client.ts). */
    #inTransaction = false

    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads of query cannot be restated one by one.
    override query(...args: any[]): any {
      const [text, values] = args
      if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values)) {
        return super.query(...(args as [string]))
      }
      if (OPENS_TRANSACTION.test(text)) this.#inTransaction = true
      else if (ENDS_TRANSACTION.test(text)) this.#inTransaction = false
      const name = names.nameFor(text, values.length)
      return name ? this.#queryNamed(name, text, values) : super.query(text, values)
    }

    async #queryNamed(name: string, text: string, values: unknown[]) {
      const outsideTransaction = !this.#inTransaction
      try {
        return await super.query({ name, text, values })
      } catch (error) {
        if (!isStaleStatement(error)) throw error
        const renewed = names.renew(text, name)
        if (!outsideTransaction) throw error
        return super.query(renewed ? { name: renewed, text, values } : { text, values })
      }
    }
  }
}
