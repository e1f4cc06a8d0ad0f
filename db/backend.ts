import type { PGlite } from '@electric-sql/pglite'
import type { Kysely } from 'kysely'
import type pg from 'pg'
import type { Database } from './types.js'

/**
 * What a database runs on: a PostgreSQL pool (and where its notification listener connects, when
 * not where the pool does), or the embedded database's single session.
 */
export type Backend = { pool: pg.Pool; listenUrl?: string } | { embedded: PGlite }

/** A database and what it runs on (none for one built over another dialect, as some tests do). */
export type DatabaseOnBackend = Kysely<Database> & { readonly backend: Backend | undefined }
