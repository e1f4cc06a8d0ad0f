import type { Db } from '../db/database.js'
import { appliedMigrationNames, ping } from '../db/queries/health.js'
import { migrations } from '../migrations/index.js'

export type Readiness =
  | { ready: true; database: 'up'; migrations: 'current' }
  | {
      ready: false
      database: 'up' | 'down'
      migrations: 'current' | 'pending' | 'unknown'
      reason: string
      /** For the log only. */
      error?: unknown
      pending?: string[]
    }

/** Settles like `work`, or rejects once `ms` have passed without an answer. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, deadline])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Whether this process can serve requests: the database answers within `timeoutMs`, and every
 * migration this version knows is applied (a newer schema is fine, an older one is not).
 */
export async function checkReadiness(db: Db, timeoutMs: number): Promise<Readiness> {
  try {
    await within(timeoutMs, ping(db))
  } catch (error) {
    return {
      ready: false,
      database: 'down',
      migrations: 'unknown',
      reason: 'The database does not answer',
      error,
    }
  }
  let applied: string[]
  try {
    applied = await within(timeoutMs, appliedMigrationNames(db))
  } catch (error) {
    return {
      ready: false,
      database: 'up',
      migrations: 'unknown',
      reason: 'The applied migrations could not be read',
      error,
    }
  }
  const pending = Object.keys(migrations).filter((name) => !applied.includes(name))
  if (pending.length > 0) {
    return {
      ready: false,
      database: 'up',
      migrations: 'pending',
      reason: 'The database schema has migrations still to apply',
      pending,
    }
  }
  return { ready: true, database: 'up', migrations: 'current' }
}
