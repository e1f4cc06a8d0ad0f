// The event log orders the changes of one group as they happened. A transaction that waited
// for a group must not carry an older transaction id than the one it waited for: the log is
// read in transaction-id order, so a kick logged before the invite it undid would tell every
// reader the user was still in the group (and deliver them its events).
import { sql } from 'kysely'
import t from 'tap'
import {
  api,
  buildApp,
  createTestGroup,
  createTestUser,
  onlyOnPostgres,
  type TestUser,
  testDatabase,
} from '../../helper.js'

const db = await testDatabase(t)
const ROUNDS = Number(process.env.LOG_ORDER_ROUNDS) || 150
const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)] as T

t.test(
  'concurrent invites, kicks, leaves and deletes: no removal is logged before the join it undoes',
  // Skipped on the embedded database: it runs one transaction at a time, so nothing waits.
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db, { roles: ['user', 'admin'] })
    const users: TestUser[] = []
    for (let i = 0; i < 5; i++) users.push(await createTestUser(db))
    const groups = [
      (await createTestGroup(app, owner, users))._id,
      (await createTestGroup(app, owner, users))._id,
    ]
    const statuses = new Map<string, number>()
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = 0; n < ROUNDS; n++) {
          const roomId = pick(groups)
          const user = pick(users)
          const action = pick(['invite', 'invite', 'kick', 'leave', 'delete'])
          const reply =
            action === 'leave'
              ? await api(app, user).post('groups.leave', { roomId })
              : action === 'delete'
                ? await api(app, owner).post('groups.delete', { roomId })
                : await api(app, owner).post(`groups.${action}`, { roomId, userId: user.id })
          const key = `${action} ${reply.statusCode}`
          statuses.set(key, (statuses.get(key) ?? 0) + 1)
          if (action === 'delete' && reply.statusCode === 200) {
            groups[groups.indexOf(roomId)] = (await createTestGroup(app, owner, users))._id
          }
        }
      }),
    )
    t.comment(JSON.stringify(Object.fromEntries(statuses)))
    t.ok((statuses.get('kick 200') ?? 0) > 0, 'some kicks went through')
    t.ok((statuses.get('delete 200') ?? 0) > 0, 'some deletes went through')

    const { rows } = await sql<{ removed: string; added: string }>`
      select removed.xid::text as removed, added.xid::text as added
      from events removed join events added
        on added.kind = 'member.added' and removed.kind = 'member.removed'
        and added.data->'member'->>'id' = removed.data->'member'->>'id'
      where added.xid > removed.xid`.execute(db)
    t.same(rows, [], 'every removal comes after the join it undoes')
  },
)
