import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { randomId } from '../../domain/ids.js'
import { createTestGroup, createTestUser, type TestUser } from '../helper.js'
import { snapshot, snapshotGroup } from './api.js'

/** A time before any test ran, so a later `_updatedAt` shows that something changed. */
export const A_WHILE_AGO = new Date('2020-01-01T00:00:00.000Z')

/** Dates a group's last update back to `A_WHILE_AGO`. */
export async function backdate(db: Db, roomId: string) {
  await db.updateTable('rooms').set({ updated_at: A_WHILE_AGO }).where('id', '=', roomId).execute()
}

/** Sets a member's roles in a group straight in the database. */
export async function setRoomRoles(db: Db, roomId: string, userId: string, roles: string[]) {
  await db
    .updateTable('room_members')
    .set({ roles })
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .execute()
}

/** A member's roles in a group as stored, undefined for a non-member. */
export async function storedRoomRoles(db: Db, roomId: string, userId: string) {
  const row = await db
    .selectFrom('room_members')
    .select('roles')
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
  return row?.roles
}

/** Users whose usernames sort in the order given, whatever the database collation. */
export async function usersNamed(db: Db, ...prefixes: string[]) {
  const suffix = randomId().slice(0, 6).toLowerCase()
  const users: TestUser[] = []
  for (const prefix of prefixes) {
    users.push(await createTestUser(db, { username: `${prefix}-${suffix}` }))
  }
  return users
}

/** A group's audit rows after the one its creation wrote, oldest first. */
export async function auditAfterCreate(db: Db, roomId: string) {
  return db
    .selectFrom('audit_log')
    .select(['actor_username', 'action', 'before', 'after'])
    .where('room_id', '=', roomId)
    .where('action', '!=', 'groups.create')
    .orderBy('id')
    .execute()
}

/** The id of the newest audit row, 0 when there is none. */
export async function lastAuditId(db: Db) {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
  return Number(row?.id ?? 0)
}

/** The audit rows written after the one with id `id`, oldest first. */
export async function auditRowsAfter(db: Db, id: number) {
  return db
    .selectFrom('audit_log')
    .select(['actor_id', 'actor_username', 'room_id', 'action', 'before', 'after'])
    .where('id', '>', id)
    .orderBy('id')
    .execute()
}

/** Leaves `keep` as the only active admins for the test, restoring the others afterwards. */
export async function onlyActiveAdmins(t: Test, db: Db, keep: TestUser[]) {
  const others = await db
    .selectFrom('user_roles')
    .innerJoin('users', 'users.id', 'user_roles.user_id')
    .select('users.id')
    .where('user_roles.role_id', '=', 'admin')
    .where('users.active', '=', true)
    .where(
      'users.id',
      'not in',
      keep.map((user) => user.id),
    )
    .execute()
  const ids = others.map((row) => row.id)
  if (ids.length === 0) return
  await db.updateTable('users').set({ active: false }).where('id', 'in', ids).execute()
  t.teardown(async () => {
    await db.updateTable('users').set({ active: true }).where('id', 'in', ids).execute()
  })
}

export type OwnedGroup = Awaited<ReturnType<typeof ownedGroup>>

/**
 * An owner, a plain member and the group the owner created with them, with a snapshot of the
 * group as it then was.
 */
export async function ownedGroup(app: FastifyInstance, db: Db) {
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  return { owner, member, group, stored: await snapshotGroup(db, group._id) }
}

/** A snapshot of the audit rows written after now: none, until something writes one. */
export async function auditFromNow(db: Db) {
  const id = await lastAuditId(db)
  return snapshot(() => auditRowsAfter(db, id))
}
