import type { FastifyInstance } from 'fastify'
import t from 'tap'
import {
  api,
  assertInvariants,
  buildApp,
  createTestGroup,
  createTestUser,
  groupName,
  onlyOnPostgres,
  storedGroup,
  testDatabase,
} from './helper.js'

// PGlite runs one query at a time, so a race there cannot happen and proves nothing: every test
// here skips on it.
const ROUNDS = 25

const db = await testDatabase(t)

async function countOwners(roomId: string) {
  const { members } = await storedGroup(db, roomId)
  return members.filter((member) => member.roles.includes('owner')).length
}

/** A group with two owners: `first` created it and made `second` an owner too. */
async function twoOwners(app: FastifyInstance) {
  const first = await createTestUser(db)
  const second = await createTestUser(db)
  const group = await createTestGroup(app, first, [second])
  await api(app, first).post('groups.addOwner', { roomId: group._id, userId: second.id })
  return { first, second, group }
}

t.test(
  'two owners leaving at once: one leaves, the other is the last owner',
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    for (let round = 0; round < ROUNDS; round++) {
      const { first, second, group } = await twoOwners(app)

      const responses = await Promise.all(
        [first, second].map((owner) => api(app, owner).post('groups.leave', { roomId: group._id })),
      )

      const statuses = responses.map((response) => response.statusCode).sort()
      t.same(statuses, [200, 400], `round ${round}: exactly one leave succeeds`)
      const refused = responses.find((response) => response.statusCode === 400)
      t.equal(refused?.json().errorType, 'error-you-are-last-owner')
      t.equal(await countOwners(group._id), 1, `round ${round}: the group keeps its owner`)
    }
  },
)
await assertInvariants(t, db)

t.test(
  'an owner leaving while the other owner loses the role: one owner remains',
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    for (let round = 0; round < ROUNDS; round++) {
      const { first, second, group } = await twoOwners(app)

      await Promise.all([
        api(app, first).post('groups.leave', { roomId: group._id }),
        api(app, first).post('groups.removeOwner', { roomId: group._id, userId: second.id }),
      ])

      t.equal(await countOwners(group._id), 1, `round ${round}: exactly one owner remains`)
    }
  },
)
await assertInvariants(t, db)

t.test(
  'parallel renames to one name: exactly one wins, the rest are duplicates',
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    for (let round = 0; round < 5; round++) {
      const groups = await Promise.all(Array.from({ length: 8 }, () => createTestGroup(app, owner)))
      const target = groupName('contested')

      const responses = await Promise.all(
        groups.map((group) =>
          api(app, owner).post('groups.rename', { roomId: group._id, name: target }),
        ),
      )

      t.equal(responses.filter((r) => r.statusCode === 200).length, 1, `round ${round}: one winner`)
      for (const response of responses.filter((r) => r.statusCode !== 200)) {
        t.same(response.json(), {
          success: false,
          error: `A channel with name '${target}' exists [error-duplicate-channel-name]`,
          errorType: 'error-duplicate-channel-name',
        })
      }
      const holders = await db.selectFrom('rooms').select('id').where('name', '=', target).execute()
      t.equal(holders.length, 1)
    }
  },
)
await assertInvariants(t, db)

t.test(
  'parallel creates of one name: exactly one group is made',
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const name = groupName('created')
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => api(app, owner).post('groups.create', { name })),
    )
    t.equal(responses.filter((r) => r.statusCode === 200).length, 1)
    t.equal(
      responses.filter((r) => r.json().errorType === 'error-duplicate-channel-name').length,
      7,
    )
    const rooms = await db.selectFrom('rooms').select('id').where('name', '=', name).execute()
    t.equal(rooms.length, 1)
  },
)
await assertInvariants(t, db)

t.test(
  'interleaved invites, kicks and leaves keep the counters true',
  { skip: onlyOnPostgres },
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const users = await Promise.all(Array.from({ length: 12 }, () => createTestUser(db)))
    const group = await createTestGroup(app, owner, users.slice(0, 6))

    const requests = users.flatMap((user, index) => [
      api(app, owner).post('groups.invite', { roomId: group._id, userId: user.id }),
      index % 2 === 0
        ? api(app, user).post('groups.leave', { roomId: group._id })
        : api(app, owner).post('groups.kick', { roomId: group._id, userId: user.id }),
    ])
    const responses = await Promise.all(requests)
    t.notOk(
      responses.some((response) => response.statusCode >= 500),
      'no server error',
    )

    const stored = await storedGroup(db, group._id)
    t.equal(stored.room?.users_count, stored.members.length, 'usersCount equals the member rows')
    t.equal(stored.room?.msgs, stored.messages.length, 'msgs equals the stored messages')
    t.equal(await countOwners(group._id), 1)
  },
)
await assertInvariants(t, db)
