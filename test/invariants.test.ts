import { sql } from 'kysely'
import t from 'tap'
import { findViolations } from '../db/queries/invariants.js'
import { api, buildApp, createTestGroup, createTestUser, testDatabase } from './helper.js'

const db = await testDatabase(t)

t.test('the invariant checker finds nothing in data made through the API', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const group = await createTestGroup(app, owner, [member])
  await api(app, member).post('groups.leave', { roomId: group._id })
  t.same(await findViolations(db), [])
})

t.test('the invariant checker reports each broken rule', async (t) => {
  const app = await buildApp(t, db)
  const breakages: Array<{
    rule: string
    breakIt: (groupId: string, userId: string, token: string) => Promise<unknown>
    subject: 'group' | 'user' | 'membership'
  }> = [
    {
      rule: 'a group with members has an owner',
      subject: 'group',
      breakIt: (groupId) =>
        sql`update room_members set roles = '{}' where room_id = ${groupId}`.execute(db),
    },
    {
      rule: "a membership's username is its user's",
      subject: 'membership',
      // The trigger that keeps the copy equal is what is being bypassed here.
      breakIt: async (groupId) => {
        await sql`alter table room_members disable trigger room_members_username`.execute(db)
        await sql`update room_members set username = 'someone-else' where room_id = ${groupId}`.execute(
          db,
        )
        await sql`alter table room_members enable trigger room_members_username`.execute(db)
      },
    },
    {
      rule: 'msgs equals the stored messages',
      subject: 'group',
      breakIt: (groupId) => sql`update rooms set msgs = msgs + 5 where id = ${groupId}`.execute(db),
    },
    {
      rule: 'usersCount equals the members',
      subject: 'group',
      breakIt: (groupId) => sql`update rooms set users_count = 9 where id = ${groupId}`.execute(db),
    },
    {
      rule: 'passwords are stored as argon2id hashes',
      subject: 'user',
      breakIt: (_groupId, userId) =>
        sql`update users set password_hash = 'plain' where id = ${userId}`.execute(db),
    },
    {
      rule: 'login tokens are stored as SHA-256 hashes',
      subject: 'user',
      breakIt: (_groupId, userId, token) =>
        sql`update login_tokens set hashed_token = ${token} where user_id = ${userId}`.execute(db),
    },
  ]
  for (const { rule, subject, breakIt } of breakages) {
    const owner = await createTestUser(db)
    const group = await createTestGroup(app, owner)
    await breakIt(group._id, owner.id, owner.headers['x-auth-token'])
    const expected = { group: group._id, user: owner.id, membership: `${group._id}/${owner.id}` }[
      subject
    ]
    t.same(
      (await findViolations(db)).filter((violation) => violation.subject === expected),
      [{ rule, subject: expected }],
      rule,
    )
  }
})
