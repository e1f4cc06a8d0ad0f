import type { Kysely, Transaction } from 'kysely'
import type { Database } from './types.js'

/** What a query runs on: the database itself, or a transaction opened by the domain. */
export type Executor = Kysely<Database> | Transaction<Database>
