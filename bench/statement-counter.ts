import pg from 'pg'
import pgUtils from 'pg/lib/utils.js'

export interface StatementSample {
  sql: string
  params: unknown[]
}

/**
 * One statement as it reached `pg.Client#query`: its text (an index into `Capture.texts`), its
 * name when it was sent as a named prepared statement, its parameters as pg puts them on the
 * wire (text, or null), and whether it failed in the service.
 */
export interface CapturedStatement {
  text: number
  name?: string
  params?: Array<string | null>
  failed?: true
}

/** A transaction (BEGIN … COMMIT or ROLLBACK on one client) or one statement outside one. */
export interface CapturedUnit {
  transaction: boolean
  statements: CapturedStatement[]
}

export interface Capture {
  texts: string[]
  /** The units begun and ended within the window, in the order they began, up to the caps. */
  units: CapturedUnit[]
  /** Every unit begun and ended within the window, stored or not, and their statements. */
  unitsSeen: number
  statementsSeen: number
  /** Whether a cap stopped the storing before the window ended. */
  truncated: boolean
}

/** The caps of one capture: how many units, and about how many bytes of text and parameters. */
const MAX_UNITS = 20_000
const MAX_BYTES = 32 * 1024 * 1024

const OPENS_TRANSACTION = /^\s*(begin|start\s+transaction)\b/i
const ENDS_TRANSACTION = /^\s*(commit|end|rollback|abort)\b/i

interface Statement {
  text: number
  name: string | undefined
  values: unknown[] | undefined
  failed: boolean
}

interface OpenUnit {
  window: number
  order: number
  transaction: boolean
  statements: Statement[]
}

let statements = 0
let samples = new Map<string, StatementSample>()
let installed = false

let capturing = false
/** Which capture window a unit began in: one begun before the current window is left out. */
let window = 0
let nextOrder = 0
let texts = new Map<string, number>()
let stored: OpenUnit[] = []
let storedBytes = 0
let unitsSeen = 0
let statementsSeen = 0
let truncated = false
/** The clients inside a transaction, with the unit it is captured as (null: not captured). */
const transactions = new WeakMap<object, OpenUnit | null>()

/** What a call of `query` sends: `(text, values)` or a config object (`{ name, text, values }`). */
function statementOf(args: unknown[]) {
  const [first, second] = args
  if (typeof first === 'string') {
    return { text: first, name: undefined, values: Array.isArray(second) ? second : undefined }
  }
  if (
    first &&
    typeof first === 'object' &&
    typeof (first as { text?: unknown }).text === 'string'
  ) {
    const config = first as { text: string; name?: unknown; values?: unknown }
    return {
      text: config.text,
      name: typeof config.name === 'string' ? config.name : undefined,
      values: Array.isArray(config.values) ? config.values : undefined,
    }
  }
  return undefined
}

function roughBytes(value: unknown): number {
  if (typeof value === 'string') return value.length
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + roughBytes(item), 8)
  return 16
}

function openUnit(transaction: boolean): OpenUnit {
  return { window, order: nextOrder++, transaction, statements: [] }
}

function textIndex(text: string): number {
  let index = texts.get(text)
  if (index === undefined) {
    index = texts.size
    texts.set(text, index)
    storedBytes += text.length
  }
  return index
}

function closeUnit(unit: OpenUnit) {
  if (!capturing || unit.window !== window) return
  unitsSeen++
  statementsSeen += unit.statements.length
  if (truncated) return
  const bytes = unit.statements.reduce((sum, s) => sum + 16 + roughBytes(s.values), 0)
  if (stored.length >= MAX_UNITS || storedBytes + bytes > MAX_BYTES) {
    truncated = true
    return
  }
  storedBytes += bytes
  stored.push(unit)
}

/** The unit a statement on `client` belongs to, opening or closing a transaction as it says. */
function unitOf(client: object, text: string): { unit: OpenUnit | null; closes: boolean } {
  let unit = transactions.get(client)
  if (unit === undefined && OPENS_TRANSACTION.test(text)) {
    unit = capturing ? openUnit(true) : null
    transactions.set(client, unit)
  }
  if (unit === undefined) return { unit: capturing ? openUnit(false) : null, closes: true }
  const closes = ENDS_TRANSACTION.test(text)
  if (closes) transactions.delete(client)
  return { unit, closes }
}

/**
 * Counts every statement this process sends through `pg` (the pool's clients included) and
 * keeps one example of each distinct statement text, so its plan can be checked afterwards.
 * While a capture is on (startCapture), it also records, per client, the statements in the
 * order they were sent, grouped into units (see CapturedUnit).
 */
export function countStatements(): void {
  if (installed) return
  installed = true
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    statements++
    const statement = statementOf(args)
    if (!statement) return original.apply(this, args)
    if (!samples.has(statement.text)) {
      samples.set(statement.text, { sql: statement.text, params: statement.values ?? [] })
    }
    const { unit, closes } = unitOf(this, statement.text)
    let recorded: Statement | undefined
    if (unit && unit.window === window) {
      recorded = {
        text: textIndex(statement.text),
        name: statement.name,
        values: statement.values,
        failed: false,
      }
      unit.statements.push(recorded)
    }
    if (unit && closes) closeUnit(unit)
    const result = original.apply(this, args)
    if (recorded && result instanceof Promise) {
      const failed = recorded
      result.then(undefined, () => {
        failed.failed = true
      })
    }
    return result
  } as typeof pg.Client.prototype.query
}

/** The statements counted since the last call, which starts a new count. */
export function takeStatements(): { statements: number; samples: StatementSample[] } {
  const taken = { statements, samples: [...samples.values()] }
  statements = 0
  samples = new Map()
  return taken
}

/** Starts recording units; a unit begun before this is left out, even if it ends after. */
export function startCapture(): void {
  capturing = true
  window++
  texts = new Map()
  stored = []
  storedBytes = 0
  unitsSeen = 0
  statementsSeen = 0
  truncated = false
}

/** pg's text for a parameter; a buffer (sent as binary by pg) becomes bytea's hex input. */
function wireValue(value: unknown): string | null {
  const prepared = pgUtils.prepareValue(value)
  if (prepared === null || prepared === undefined) return null
  if (Buffer.isBuffer(prepared)) return `\\x${prepared.toString('hex')}`
  return String(prepared)
}

/** Stops recording and hands over the units that began and ended since startCapture. */
export function takeCapture(): Capture {
  capturing = false
  const units = stored
    .sort((a, b) => a.order - b.order)
    .map(
      (unit): CapturedUnit => ({
        transaction: unit.transaction,
        statements: unit.statements.map((s) => ({
          text: s.text,
          ...(s.name ? { name: s.name } : {}),
          ...(s.values ? { params: s.values.map(wireValue) } : {}),
          ...(s.failed ? { failed: true as const } : {}),
        })),
      }),
    )
  const capture = { texts: [...texts.keys()], units, unitsSeen, statementsSeen, truncated }
  texts = new Map()
  stored = []
  storedBytes = 0
  return capture
}
