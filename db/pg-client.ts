import pg from 'pg'

type QueryResult = pg.QueryResult<Record<string, unknown>>

function emptyResult(command: string): QueryResult {
  return { command, rowCount: null, oid: 0, fields: [], rows: [] }
}

const isBare = (text: string, word: string) => text.trim().toLowerCase() === word

/**
 * A pooled connection that saves BEGIN its own round trip. BEGIN is held back until the
 * transaction's first statement: one without parameters (such as the group's turn) travels in
 * the same message as BEGIN; one with parameters needs the extended protocol, which takes a
 * single statement, so BEGIN goes just before it, as it would have. A transaction that sends
 * nothing before its COMMIT or ROLLBACK sends nothing at all.
 */
export class DeferredBeginClient extends pg.Client {
  #beginHeld = false

  constructor(config?: string | pg.ClientConfig) {
    super(config)
    // A connection lost while checked out of the pool (its server or a pooler restarting) fails
    // the query that meets it, and the pool then drops it; pg also emits the loss here, where
    // unheard it would crash the process.
    this.on('error', () => {})
  }

  // biome-ignore lint/suspicious/noExplicitAny: pg's overloads of query cannot be restated one by one.
  override query(...args: any[]): any {
    const [text, values, callback] = args
    if (typeof text !== 'string' || typeof values === 'function' || callback !== undefined) {
      return this.#releaseBegin(() => super.query(...(args as [string])))
    }
    if (isBare(text, 'begin') && !this.#beginHeld) {
      this.#beginHeld = true
      return Promise.resolve(emptyResult('BEGIN'))
    }
    if (!this.#beginHeld) return super.query(text, values)
    this.#beginHeld = false
    if (isBare(text, 'commit')) return Promise.resolve(emptyResult('COMMIT'))
    if (isBare(text, 'rollback')) return Promise.resolve(emptyResult('ROLLBACK'))
    if (Array.isArray(values) && values.length > 0) {
      return super.query('begin').then(() => super.query(text, values))
    }
    return super
      .query(`begin;\n${text}`)
      .then((results: QueryResult | QueryResult[]) =>
        Array.isArray(results) ? results[results.length - 1] : results,
      )
  }

  /** Any other form of call is sent as it is, after a BEGIN still held back. */
  #releaseBegin(send: () => unknown) {
    if (!this.#beginHeld) return send()
    this.#beginHeld = false
    return super.query('begin').then(send)
  }
}
