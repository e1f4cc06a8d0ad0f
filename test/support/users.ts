import type { FastifyInstance } from 'fastify'
import type { Db } from '../../db/database.js'
import { api } from './api.js'
import { createTestUser } from './base.js'

/** A user with the global admin role (and the user role). */
export function createAdmin(db: Db) {
  return createTestUser(db, { roles: ['admin', 'user'] })
}

/** A password login as `user` (a username or an email). */
export function login(app: FastifyInstance, user: string, password: string) {
  return api(app, null).post('login', { user, password })
}

/** The user as users.info shows them to themselves or an admin, read from the database. */
export async function fullView(db: Db, userId: string) {
  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  return {
    _id: user.id,
    username: user.username,
    name: user.name,
    emails: user.email ? [{ address: user.email, verified: false }] : [],
    roles: await storedUserRoles(db, userId),
    active: user.active,
    status: user.status,
    type: 'user',
    createdAt: user.created_at.toISOString(),
    _updatedAt: user.updated_at.toISOString(),
  }
}

/** The user as users.info shows them to other users. */
export async function publicView(db: Db, userId: string) {
  const { _id, username, name, status, active, type } = await fullView(db, userId)
  return { _id, username, name, status, active, type }
}

/** The user's global roles as stored, sorted. */
export async function storedUserRoles(db: Db, userId: string) {
  const rows = await db
    .selectFrom('user_roles')
    .select('role_id')
    .where('user_id', '=', userId)
    .orderBy('role_id')
    .execute()
  return rows.map((row) => row.role_id)
}

/** The user's row as stored, undefined once deleted. */
export async function storedUser(db: Db, userId: string) {
  return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst()
}

/** The user's login tokens as stored. */
export async function tokensOf(db: Db, userId: string) {
  return db.selectFrom('login_tokens').select('user_id').where('user_id', '=', userId).execute()
}

/** The ids of the users stored with this username: one, or none. */
export async function userIdsNamed(db: Db, username: string) {
  return db.selectFrom('users').select('id').where('username', '=', username).execute()
}
