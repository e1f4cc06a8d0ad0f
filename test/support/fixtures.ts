import type { FastifyInstance } from 'fastify'
import type { RawBuilder } from 'kysely'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { randomId } from '../../domain/ids.js'
import { api, type Snapshot, snapshot, snapshotGroup } from './api.js'
import {
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  loginChangesHeard,
  type TestUser,
  testDatabase,
} from './base.js'

/** A time before any test ran, so a later `_updatedAt` shows that something changed. */
export const A_WHILE_AGO = new Date('2020-01-01T00:00:00.000Z')

/** `updatedSince` after `A_WHILE_AGO`: what was backdated is before it, a test's changes after. */
export const AFTER_A_WHILE_AGO = '2020-06-01T00:00:00.000Z'

/** Dates a group's last update back to `A_WHILE_AGO`. */
export async function backdate(db: Db, roomId: string) {
  await db.updateTable('rooms').set({ updated_at: A_WHILE_AGO }).where('id', '=', roomId).execute()
}

/** Archives a group straight in the database. */
export async function markArchived(db: Db, roomId: string) {
  await db.updateTable('rooms').set({ archived: true }).where('id', '=', roomId).execute()
}

type MembershipChange = { roles?: string[]; open?: boolean; last_seen_at?: Date | RawBuilder<Date> }

/** Changes a member's row in a group straight in the database. */
export async function setMembership(
  db: Db,
  roomId: string,
  userIds: string | string[],
  change: MembershipChange,
) {
  await db
    .updateTable('room_members')
    .set(change)
    .where('room_id', '=', roomId)
    .where('user_id', 'in', ([] as string[]).concat(userIds))
    .execute()
}

/** Sets a member's roles in a group straight in the database. */
export async function setRoomRoles(db: Db, roomId: string, userId: string, roles: string[]) {
  await setMembership(db, roomId, userId, { roles })
}

/** A member's row in a group as stored, undefined for a non-member. */
export async function storedMembership(db: Db, roomId: string, userId: string) {
  return db
    .selectFrom('room_members')
    .select(['roles', 'open', 'last_seen_at'])
    .where('room_id', '=', roomId)
    .where('user_id', '=', userId)
    .executeTakeFirst()
}

/** A member's roles in a group as stored, undefined for a non-member. */
export async function storedRoomRoles(db: Db, roomId: string, userId: string) {
  return (await storedMembership(db, roomId, userId))?.roles
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

/** A new global role holding the permission, so a test can give it to one user only. */
export async function roleGranting(db: Db, permission: string) {
  const role = `${permission}-holder-${randomId().slice(0, 8).toLowerCase()}`
  await db.insertInto('roles').values({ id: role, scope: 'Users' }).execute()
  await db
    .insertInto('permission_roles')
    .values({ permission_id: permission, role_id: role })
    .execute()
  await loginChangesHeard(db)
  return role
}

/** A user whose only global roles are `user` and one granting `permission`. */
export async function userWithPermission(db: Db, permission: string) {
  return createTestUser(db, { roles: ['user', await roleGranting(db, permission)] })
}

/** A system message as `storedGroup` reads it: its type, text, author and role (if any). */
export function storedMessage(type: string, msg: string, by: TestUser, role: string | null = null) {
  return { type, msg, username: by.username, role }
}

/** An audit row as `auditAfterCreate` reads it. */
export function auditRow(actor: TestUser, action: string, before: unknown, after: unknown) {
  return { actor_username: actor.username, action, before, after }
}

/** An audit row of a group as `auditSince` reads it: who did `action` to it, before and after. */
export function groupAudit(
  actor: TestUser,
  action: string,
  roomId: string,
  before: unknown,
  after: unknown,
) {
  return {
    action,
    actor_id: actor.id,
    actor_username: actor.username,
    room_id: roomId,
    before,
    after,
  }
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

/** Audit rows, oldest first: who did what to which group, before and after. */
function auditRows(db: Db) {
  return db
    .selectFrom('audit_log')
    .select(['action', 'actor_id', 'actor_username', 'room_id', 'before', 'after'])
    .orderBy('id')
}

/** A group's audit rows, its creation's included, oldest first. */
export async function roomAuditRows(db: Db, roomId: string) {
  return auditRows(db).where('room_id', '=', roomId).execute()
}

/** A snapshot of a group's audit rows (see `auditSince` for those written after it). */
export function snapshotRoomAudit(db: Db, roomId: string) {
  return snapshot(() => roomAuditRows(db, roomId))
}

/** The rows written since the snapshot of a growing list (such as audit rows) was taken. */
export async function auditSince<T>(audit: Snapshot<T[]>) {
  return (await audit.read()).slice(audit.before.length)
}

/** How many audit rows there are, of every group and user. */
export async function auditRowCount(db: Db) {
  const row = await db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
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
  return auditRows(db).where('id', '>', id).execute()
}

/** A snapshot of the audit rows written after now: none, until something writes one. */
export async function auditFromNow(db: Db) {
  const id = await lastAuditId(db)
  return snapshot(() => auditRowsAfter(db, id))
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

/** A user of a test group: their global roles (default `user`) and their roles in the group. */
export interface MemberSpec {
  roles?: string[]
  roomRoles?: string[]
}

/**
 * An owner and the group they created with the given members, made in the order given and then
 * given their room roles; with snapshots of the group and of its audit rows as they then were.
 */
export async function groupWith<K extends string>(
  app: FastifyInstance,
  db: Db,
  members: Record<K, MemberSpec>,
) {
  const owner = await createTestUser(db)
  const specs = Object.entries(members) as Array<[K, MemberSpec]>
  const users = {} as Record<K, TestUser>
  for (const [key, { roles }] of specs) users[key] = await createTestUser(db, { roles })
  const group = await createTestGroup(app, owner, Object.values<TestUser>(users))
  for (const [key, { roomRoles }] of specs) {
    if (roomRoles) await setRoomRoles(db, group._id, users[key].id, roomRoles)
  }
  return {
    owner,
    group,
    ...users,
    stored: await snapshotGroup(db, group._id),
    audit: await snapshotRoomAudit(db, group._id),
  }
}

export type OwnedGroup = Awaited<ReturnType<typeof ownedGroup>>

/** `groupWith` one plain member, `member`. */
export function ownedGroup(app: FastifyInstance, db: Db) {
  return groupWith(app, db, { member: {} })
}

/**
 * The app on `db` (a database of its own when none is given) and `groupWith` the members given,
 * by default one plain `member`: the start of most route tests, in one call.
 */
export async function groupFixture<K extends string = 'member'>(
  t: Test,
  db?: Db,
  members?: Record<K, MemberSpec>,
) {
  const database = db ?? (await testDatabase(t))
  const app = await buildApp(t, database)
  const setup = await groupWith(app, database, members ?? ({ member: {} } as Record<K, MemberSpec>))
  return { app, db: database, ...setup }
}

/**
 * A new group with `user` in it, made by a new owner: its id. Once a client of the user hears of
 * it, everything logged before it has been delivered.
 */
export async function barrierGroup(
  app: FastifyInstance,
  db: Db,
  user: { username: string },
): Promise<string> {
  const owner = await createTestUser(db)
  const created = await api(app, owner).post('groups.create', {
    name: groupName('barrier'),
    members: [user.username],
  })
  return created.json().group._id as string
}

/**
 * Changes a group in each way its members hear of, as its owner: renames it, sets its topic,
 * invites a new member and makes them a moderator, then archives it.
 */
export async function changeEveryWay(
  app: FastifyInstance,
  db: Db,
  owner: TestUser,
  group: { _id: string },
  name: string,
) {
  const g = api(app, owner).on(group)
  await g.post('groups.rename', { name })
  await g.post('groups.setTopic', { topic: 'secret topic' })
  const second = await createTestUser(db)
  await g.post('groups.invite', { userId: second.id })
  await g.post('groups.addModerator', { userId: second.id })
  await g.post('groups.archive')
}

/** The app, and a global admin (roles `admin` and `user`) to call it as. */
export async function appWithAdmin(t: Test, db: Db) {
  const app = await buildApp(t, db)
  const admin = await createTestUser(db, { roles: ['admin', 'user'] })
  return { app, admin }
}
