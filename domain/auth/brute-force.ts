import { normalizeIP } from '@fastify/rate-limit'
import type { Config } from '../../config.js'
import type { Db } from '../../db/database.js'
import {
  countLoginAttempt,
  deleteLoginFailures,
  uncountLoginAttempt,
} from '../../db/queries/login-failures.js'
import { errors } from '../errors.js'

export interface LoginLimits {
  /** Failed logins one login name may have per window before it is blocked; 0 turns this off. */
  perUser: number
  /** The same for one client address. */
  perIp: number
  windowMs: number
}

export function loginLimits(config: Config): LoginLimits {
  return {
    perUser: config.LOGIN_MAX_FAILURES_PER_USER,
    perIp: config.LOGIN_MAX_FAILURES_PER_IP,
    windowMs: config.LOGIN_BLOCK_WINDOW_MS,
  }
}

/** Who is trying: the name as typed (whether or not such a user exists) and the client address. */
export interface LoginAttempt {
  name: string
  ip: string
}

function counterKeys(attempt: LoginAttempt, limits: LoginLimits) {
  return {
    ip: limits.perIp > 0 ? `ip:${normalizeIP(attempt.ip)}` : undefined,
    user: limits.perUser > 0 ? `user:${attempt.name.trim().toLowerCase()}` : undefined,
  }
}

/**
 * Counts the attempt as a failure before the password is checked, so parallel guesses cannot
 * all pass a check made before any of them failed; refuses it once the address or the name
 * has used up its attempts for the window.
 */
export async function admitLoginAttempt(
  db: Db,
  attempt: LoginAttempt,
  limits: LoginLimits,
): Promise<void> {
  const keys = counterKeys(attempt, limits)
  const ordered = [keys.ip, keys.user].filter((key) => key !== undefined)
  if (ordered.length === 0) return
  const counts = await countLoginAttempt(db, ordered, limits.windowMs)
  // Rocket.Chat checks the address first.
  if (keys.ip && (counts.get(keys.ip)?.count ?? 0) > limits.perIp) throw errors.loginBlockedForIp()
  if (keys.user && (counts.get(keys.user)?.count ?? 0) > limits.perUser)
    throw errors.loginBlockedForUser()
}

/** A success clears the name's failures and takes back the attempt counted against the address. */
export async function loginSucceeded(
  db: Db,
  attempt: LoginAttempt,
  limits: LoginLimits,
): Promise<void> {
  const keys = counterKeys(attempt, limits)
  if (keys.user) await deleteLoginFailures(db, keys.user)
  if (keys.ip) await uncountLoginAttempt(db, keys.ip)
}
