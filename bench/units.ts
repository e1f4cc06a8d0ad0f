// What replaying captured units of work needs (statement-counter.ts captures them): the
// parameters that are ids the service made up for a new row, and a statement's text with its
// parameters written in as SQL literals, for pgbench.
import type { Capture, CapturedUnit } from './statement-counter.js'

/**
 * randomId's ids (domain/ids.ts): 17 characters of Rocket.Chat's alphabet, which has no 0 or 1,
 * so the seeded ids (a letter and zero-padded digits) never match.
 */
const RANDOM_ID = /^[23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz]{17}$/

const NAME = String.raw`(?:"[^"]+"|[A-Za-z_][\w$]*)`
const INSERT_VALUES = new RegExp(
  String.raw`insert\s+into\s+${NAME}(?:\s*\.\s*${NAME})?\s*\(([^)]*)\)\s*values\s*`,
  'gi',
)

/** Skips a quoted string, identifier or comment starting at `at`; where it ends, or `at`. */
function skipQuoted(text: string, at: number): number {
  const char = text[at]
  const next = text[at + 1]
  if (char === "'" || char === '"') {
    const backslashes = char === "'" && (text[at - 1] === 'E' || text[at - 1] === 'e')
    let i = at + 1
    while (i < text.length) {
      if (backslashes && text[i] === '\\') i += 2
      else if (text[i] === char && text[i + 1] === char) i += 2
      else if (text[i] === char) return i + 1
      else i++
    }
    return text.length
  }
  if (char === '-' && next === '-') {
    const end = text.indexOf('\n', at)
    return end < 0 ? text.length : end
  }
  if (char === '/' && next === '*') {
    const end = text.indexOf('*/', at + 2)
    return end < 0 ? text.length : end + 2
  }
  if (char === '$') {
    const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(text.slice(at))?.[0]
    if (tag) {
      const end = text.indexOf(tag, at + tag.length)
      return end < 0 ? text.length : end + tag.length
    }
  }
  return at
}

/** The elements of the parenthesized list at `at`, split at its top-level commas, and its end. */
function tuple(text: string, at: number): { elements: string[]; end: number } {
  const elements: string[] = []
  let depth = 0
  let start = at + 1
  let i = at
  while (i < text.length) {
    const skipped = skipQuoted(text, i)
    if (skipped > i) {
      i = skipped
      continue
    }
    const char = text[i]
    if (char === '(') depth++
    else if (char === ')' && --depth === 0) {
      elements.push(text.slice(start, i).trim())
      return { elements, end: i + 1 }
    } else if (char === ',' && depth === 1) {
      elements.push(text.slice(start, i).trim())
      start = i + 1
    }
    i++
  }
  return { elements, end: text.length }
}

/**
 * The parameters (0-based) a statement binds to the `id` column of the rows it inserts with
 * `insert into t (…, id, …) values (…), (…)`: where a new row gets the id the service made up.
 */
export function insertedIdParameters(text: string): number[] {
  const found: number[] = []
  for (const match of text.matchAll(INSERT_VALUES)) {
    const columns = (match[1] ?? '').split(',').map((c) => c.trim().replace(/^"|"$/g, ''))
    const idColumn = columns.indexOf('id')
    if (idColumn < 0) continue
    let at = match.index + match[0].length
    while (text[at] === '(') {
      const { elements, end } = tuple(text, at)
      const parameter = /^\$(\d+)\b/.exec(elements[idColumn] ?? '')
      if (parameter) found.push(Number(parameter[1]) - 1)
      at = end
      while (/\s/.test(text[at] ?? '')) at++
      if (text[at] !== ',') break
      at++
      while (/\s/.test(text[at] ?? '')) at++
    }
  }
  return found
}

const INSERTS = /\binsert\s+into\b/i
/** An `id` in a JSON parameter: rows a statement inserts from JSON (`jsonb_to_recordset`). */
const JSON_ID = /"id"\s*:\s*"([^"\\]*)"/g

/**
 * The ids a unit gives the rows it inserts, made up by the service (randomId): replayed as they
 * are, they would collide with the rows the service inserted. Taken from the statements that
 * insert: a parameter bound to an `id` column of `insert into t (…) values (…)`, and an `id` of
 * a JSON parameter (rows inserted from JSON), when it has randomId's shape. A replay gives each
 * a new value, the same everywhere it appears in the unit (also inside other parameters).
 */
export function freshIds(capture: Capture): (unit: CapturedUnit) => Set<string> {
  const slots = new Map<number, number[]>()
  const slotsOf = (text: number) => {
    let known = slots.get(text)
    if (!known) {
      known = insertedIdParameters(capture.texts[text] ?? '')
      slots.set(text, known)
    }
    return known
  }
  return (unit) => {
    const ids = new Set<string>()
    for (const statement of unit.statements) {
      if (!INSERTS.test(capture.texts[statement.text] ?? '')) continue
      for (const slot of slotsOf(statement.text)) {
        const value = statement.params?.[slot]
        if (value && RANDOM_ID.test(value)) ids.add(value)
      }
      for (const value of statement.params ?? []) {
        if (!value || !/^\s*[[{]/.test(value)) continue
        for (const match of value.matchAll(JSON_ID)) {
          if (RANDOM_ID.test(match[1] ?? '')) ids.add(match[1] ?? '')
        }
      }
    }
    return ids
  }
}

/** `value` with every id of `renamed` replaced by its new value. */
export function withIdsRenamed(value: string, renamed: Map<string, string>): string {
  let result = value
  for (const [id, to] of renamed) {
    if (result.includes(id)) result = result.split(id).join(to)
  }
  return result
}

/**
 * A parameter as SQL for pgbench: a literal (sqlLiteral), or, when it holds ids the unit makes
 * up, the literal's pieces joined with `fresh(id)`, an expression giving a new id on every run.
 */
export function parameterSql(
  value: string | null,
  ids: Set<string>,
  fresh: (id: string) => string,
): string {
  if (value === null || ids.size === 0) return sqlLiteral(value)
  const found = [...ids].filter((id) => value.includes(id))
  if (found.length === 0) return sqlLiteral(value)
  const pieces = value.split(new RegExp(`(${found.join('|')})`))
  const parts = pieces
    .map((piece, i) => (i % 2 === 1 ? fresh(piece) : piece === '' ? '' : sqlLiteral(piece)))
    .filter(Boolean)
  return parts.length === 1 ? (parts[0] ?? '') : `(${parts.join(' || ')})`
}

/**
 * A parameter as an SQL literal, untyped like the parameter itself (pg sends every parameter as
 * text of unspecified type, so PostgreSQL infers its type from where it stands; it infers an
 * untyped literal's the same way). Colons, backslashes and line breaks are written as escapes,
 * so pgbench neither reads `:name` inside the value as one of its variables nor a line break.
 */
export function sqlLiteral(value: string | null): string {
  if (value === null) return 'NULL'
  const quoted = value.replace(/'/g, "''")
  if (!/[:\\\n\r]/.test(value)) return `'${quoted}'`
  const escaped = quoted
    .replace(/\\/g, '\\\\')
    .replace(/:/g, '\\x3a')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
  return `E'${escaped}'`
}

/**
 * A statement as one line of a pgbench script: each `$n` replaced by `parameter(n - 1)`, line
 * breaks outside quotes by spaces, and the semicolons between statements sent in one message
 * (`begin;\nselect …`) written `\;`, which pgbench sends as one query too.
 */
export function pgbenchCommand(text: string, parameter: (index: number) => string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const skipped = skipQuoted(text, i)
    if (skipped > i) {
      const piece = text.slice(i, skipped)
      // A `--` comment runs to the end of the line: keep it one by making it a block comment.
      out += piece.startsWith('--') ? `/*${piece.slice(2).replace(/\*\//g, '* /')}*/` : piece
      i = skipped
      continue
    }
    const char = text[i] ?? ''
    const param = char === '$' ? /^\$(\d+)/.exec(text.slice(i)) : null
    if (param) {
      out += parameter(Number(param[1]) - 1)
      i += param[0].length
    } else if (char === ';') {
      if (text.slice(i + 1).trim() !== '') out += ' \\;'
      i++
    } else {
      out += char === '\n' || char === '\r' ? ' ' : char
      i++
    }
  }
  return `${out.trim()};`
}
