import type { Migration } from 'kysely'
import * as initial from './2026112401_initial.js'

/** Every migration, by its sortable name; listed here so the compiled service needs no file scan. */
export const migrations: Record<string, Migration> = {
  '2026112401_initial': initial,
}
