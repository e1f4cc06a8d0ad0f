import type { Db } from '../../db/database.js'
import { deleteLoginToken, findLoginByToken, insertLoginToken } from '../../db/queries/tokens.js'
import { findCredentials, findUserById } from '../../db/queries/users.js'
import type { UserView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import { hashLoginToken, newLoginToken } from '../ids.js'
import { toUserView } from '../users/view.js'
import { admitLoginAttempt, type LoginLimits, loginSucceeded } from './brute-force.js'
import { checkPassword } from './passwords.js'

export interface LoginInput {
  user?: string | undefined
  username?: string | undefined
  email?: string | undefined
  password?: string | undefined
  resume?: string | undefined
}

/** Where the attempt comes from, and how many failures it may have; see brute-force.ts. */
export interface LoginContext {
  ip: string
  limits: LoginLimits
}

export interface LoginResult {
  userId: string
  authToken: string
  me: UserView
}

function loginName(input: LoginInput): { username: string } | { email: string } | undefined {
  if (input.user !== undefined) {
    return input.user.includes('@') ? { email: input.user } : { username: input.user }
  }
  if (input.username !== undefined) return { username: input.username }
  if (input.email !== undefined) return { email: input.email }
  return undefined
}

async function profile(db: Db, userId: string): Promise<UserView> {
  const user = await findUserById(db, userId)
  if (!user) throw errors.loginFailed()
  return toUserView(user)
}

/**
 * Exchanges a password (or a still-valid token) for a login token. Password attempts count
 * against the login name and the client address, which are blocked for a while after too
 * many failures.
 */
export async function login(
  db: Db,
  input: LoginInput,
  context: LoginContext,
): Promise<LoginResult> {
  if (input.resume !== undefined) {
    const actor = await loginByToken(db, hashLoginToken(input.resume))
    if (!actor) throw errors.loginFailed()
    return { userId: actor.id, authToken: input.resume, me: await profile(db, actor.id) }
  }

  const name = loginName(input)
  if (!name || input.password === undefined) throw errors.loginFailed()
  const attempt = { name: 'email' in name ? name.email : name.username, ip: context.ip }
  await admitLoginAttempt(db, attempt, context.limits)
  const credentials = await findCredentials(db, name)
  const valid = await checkPassword(credentials?.password_hash, input.password)
  if (!credentials || !valid) throw errors.loginFailed()
  if (!credentials.active) {
    throw errors.userNotActivated()
  }
  await loginSucceeded(db, attempt, context.limits)

  const authToken = newLoginToken()
  await insertLoginToken(db, credentials.id, hashLoginToken(authToken))
  return { userId: credentials.id, authToken, me: await profile(db, credentials.id) }
}

/** Deletes the token; once this returns, no process of the service accepts it any more. */
export async function logout(db: Db, actor: Actor, authToken: string): Promise<void> {
  await deleteLoginToken(db, actor.id, hashLoginToken(authToken))
  await db.logins.settled()
}

/**
 * The user a pair of auth headers belongs to, or a 401 refusal. Served from the login cache,
 * keyed by the token's hash, when the database has one.
 */
export async function authenticate(
  db: Db,
  userId: string | undefined,
  authToken: string | undefined,
): Promise<Actor> {
  if (!userId || !authToken) throw errors.notLoggedIn()
  const login = await loginByToken(db, hashLoginToken(authToken))
  if (!login || login.id !== userId) throw errors.notLoggedIn()
  const { id, username, name, roles } = login
  return { id, username, name, roles }
}

/** Who a login token logs in, and since when. */
export interface Login extends Actor {
  tokenCreatedAt: Date
}

/**
 * The one way from a login token's hash to who it logs in: an active user and their global
 * roles (REST headers, tickets, realtime logins all come here). Served from the login cache,
 * keyed by the hash, when the database has one; `fresh` reads the database whatever the cache
 * holds (a realtime connection checking its login after a change).
 */
export async function loginByToken(
  db: Db,
  hashedToken: string,
  { fresh = false } = {},
): Promise<Login | undefined> {
  const load = async () => {
    const row = await findLoginByToken(db, hashedToken)
    if (!row) return undefined
    const { created_at: tokenCreatedAt, ...actor } = row
    return { ...actor, tokenCreatedAt }
  }
  const { cache } = db.logins
  return cache && !fresh ? cache.actor(hashedToken, load) : load()
}

export async function me(db: Db, actor: Actor): Promise<UserView> {
  return profile(db, actor.id)
}
