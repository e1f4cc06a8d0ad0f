import type { Db } from '../../db/database.js'
import { admitTicket, insertTicket, keepTicket } from '../../db/queries/tickets.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { hashLoginToken, newLoginToken } from '../ids.js'
import { authenticate, loginByToken } from './login.js'

/** How long a new ticket may wait to open its stream: long enough to open it, no longer. */
export const TICKET_LIFETIME_MS = 60_000

/** How often a used ticket is kept on while one of its streams is open (at most). */
const KEEP_EVERY_MS = 60_000

export interface EventTicket {
  ticket: string
  expires: Date
}

/** PostgreSQL's foreign-key violation: the login a ticket would stand for is gone. */
function isLoginGone(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23503'
}

/**
 * A ticket standing for the login of `authToken`, for a client that cannot send login headers
 * (a browser's EventSource). Only its hash is kept, and it dies with the login.
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

/** How a client opening an event stream says who it is, and where it resumes. */
export interface StreamCredentials {
  userId: string | undefined
  authToken: string | undefined
  ticket: string | undefined
  /** `Last-Event-ID` (or `lastEventId`): the client resumes a stream it had. */
  lastEventId: string | undefined
}

/** The stream's response, or anything that says when it closes. */
export interface ClosingStream {
  once(event: 'close', listener: () => void): unknown
}

export interface TicketOptions {
  /** How long a used ticket still admits reconnects after its stream was last open. */
  resumeMs: number
  /** The stream being opened: while it is open its ticket is kept on. */
  stream?: ClosingStream
}

export interface StreamLogin {
  actor: Actor
  /** The login the stream lives by: deleting it (logging out) ends the stream. */
  hashedToken: string
}

/**
 * The login of an event stream: by the login headers when either is sent, else by a ticket.
 *
 * A ticket's first use opens its stream and marks it used. After that it opens no stream of its
 * own, but admits that stream's reconnects, which a browser's EventSource makes by itself with
 * the same URL and `Last-Event-ID`: only requests that carry an id, and only until `resumeMs`
 * after the ticket's stream was last open (kept on while any is, and moved on once it closes).
 * It still dies with its login (logout, token deleted, user deactivated or deleted).
 *
 * A ticket sent with the login headers must be that login's. Anything that does not log in is
 * the same refusal as no login at all.
 */
export async function eventStreamLogin(
  db: Db,
  credentials: StreamCredentials,
  options: TicketOptions,
): Promise<StreamLogin> {
  const { userId, authToken, ticket, lastEventId } = credentials
  const byHeaders = userId !== undefined || authToken !== undefined
  if (!ticket) {
    if (!byHeaders) throw errors.notLoggedIn()
    const actor = await authenticate(db, userId, authToken)
    return { actor, hashedToken: hashLoginToken(authToken ?? '') }
  }
  const hashedTicket = hashLoginToken(ticket)
  const hashedToken = await admitTicket(db, hashedTicket, {
    resuming: Boolean(lastEventId),
    keepUntil: new Date(Date.now() + options.resumeMs),
  })
  if (!hashedToken) throw errors.notLoggedIn()
  let actor: Actor
  if (byHeaders) {
    actor = await authenticate(db, userId, authToken)
    if (hashLoginToken(authToken ?? '') !== hashedToken) throw errors.notLoggedIn()
  } else {
    const login = await loginByToken(db, hashedToken)
    if (!login) throw errors.notLoggedIn()
    const { id, username, name, roles } = login
    actor = { id, username, name, roles }
  }
  if (options.stream) keepWhileOpen(db, hashedTicket, options.stream, options.resumeMs)
  return { actor, hashedToken }
}

/**
 * Keeps a used ticket on while its stream is open, and for `resumeMs` from when it closes. A
 * process that dies without closing it leaves the ticket at least `resumeMs` less one keeping
 * interval after the stream's last keeping: a restart within that resumes.
 */
function keepWhileOpen(db: Db, hashedTicket: string, stream: ClosingStream, resumeMs: number) {
  const keep = () => {
    // A keeping that fails (the database briefly gone) only lets the ticket lapse sooner.
    keepTicket(db, hashedTicket, new Date(Date.now() + resumeMs)).catch(() => {})
  }
  const timer = setInterval(keep, Math.min(KEEP_EVERY_MS, Math.ceil(resumeMs / 3)))
  timer.unref()
  stream.once('close', () => {
    clearInterval(timer)
    keep()
  })
}
