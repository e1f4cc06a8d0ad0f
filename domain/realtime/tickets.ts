import type { Db } from '../../db/database.js'
import { insertTicket, takeTicket } from '../../db/queries/tickets.js'
import type { Actor } from '../actor.js'
import { authenticate, loginByToken } from '../auth/login.js'
import { errors } from '../errors.js'
import { hashLoginToken, newLoginToken } from '../ids.js'

/** How long a ticket may wait to be used: long enough to open a stream, no longer. */
export const TICKET_LIFETIME_MS = 60_000

export interface EventTicket {
  ticket: string
  expires: Date
}

/** PostgreSQL's foreign-key violation: the login a ticket would stand for is gone. */
function isLoginGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23503'
}

/**
 * A single-use ticket standing for the login of `authToken`, for a client that cannot send login
 * headers. Only its hash is kept, and it dies with the login.
 */
export async function issueEventTicket(db: Db, authToken: string): Promise<EventTicket> {
  const ticket = newLoginToken()
  const expires = new Date(Date.now() + TICKET_LIFETIME_MS)
  try {
    await insertTicket(db, hashLoginToken(ticket), hashLoginToken(authToken), expires)
  } catch (error) {
    if (isLoginGone(error)) throw errors.notLoggedIn()
    throw error
  }
  return { ticket, expires }
}

/** How a client opening an event stream says who it is. */
export interface StreamCredentials {
  userId: string | undefined
  authToken: string | undefined
  ticket: string | undefined
}

export interface StreamLogin {
  actor: Actor
  /** The login the stream lives by: deleting it (logging out) ends the stream. */
  hashedToken: string
}

/**
 * The login of an event stream: by the login headers when either is sent, else by a ticket, which
 * is used up. Anything that does not log in (a ticket unknown, used, expired or whose login is
 * gone) is the same refusal as no login at all.
 */
export async function eventStreamLogin(
  db: Db,
  credentials: StreamCredentials,
): Promise<StreamLogin> {
  const { userId, authToken, ticket } = credentials
  if (userId !== undefined || authToken !== undefined) {
    const actor = await authenticate(db, userId, authToken)
    return { actor, hashedToken: hashLoginToken(authToken ?? '') }
  }
  if (ticket) {
    const hashedToken = await takeTicket(db, hashLoginToken(ticket))
    const login = hashedToken ? await loginByToken(db, hashedToken) : undefined
    if (hashedToken && login) {
      const { id, username, name, roles } = login
      return { actor: { id, username, name, roles }, hashedToken }
    }
  }
  throw errors.notLoggedIn()
}
