// The columns of a membership its subscription shows are named once (room_member_watched,
// migration 2026120302); both triggers that watch them react to a change of any of them, and
// to nothing else.
import { sql } from 'kysely'
import t from 'tap'
import { buildApp, createTestGroup, createTestUser, testDatabase } from '../helper.js'

const db = await testDatabase(t)

t.test(
  'a change of a watched column is logged and touches updated_at; others are not',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db)
    const member = await createTestUser(db)
    const group = await createTestGroup(app, owner, [member])
    const past = new Date('2020-01-01T00:00:00.000Z')
    const state = async () => {
      const row = await db
        .selectFrom('room_members')
        .select(['updated_at'])
        .where('room_id', '=', group._id)
        .where('user_id', '=', member.id)
        .executeTakeFirstOrThrow()
      const { rows } = await sql<{ count: number }>`select count(*)::int as count from events
      where kind = 'member.updated' and user_id = ${member.id}`.execute(db)
      return { touched: row.updated_at.getTime() !== past.getTime(), logged: rows[0]?.count }
    }
    /** Sets updated_at back (an update that watches nothing), then makes the change. */
    const change = async (make: () => Promise<unknown>) => {
      await sql`update room_members set updated_at = ${past} where room_id = ${group._id}
      and user_id = ${member.id}`.execute(db)
      await make()
    }
    const set = (assignment: ReturnType<typeof sql>) => () =>
      sql`update room_members set ${assignment} where room_id = ${group._id}
      and user_id = ${member.id}`.execute(db)

    await change(set(sql`created_at = ${past}`))
    t.same(await state(), { touched: false, logged: 0 }, 'created_at is not watched')
    const changes: Array<[string, () => Promise<unknown>]> = [
      ['roles', set(sql`roles = array['moderator']`)],
      ['open', set(sql`open = false`)],
      ['last_seen_at', set(sql`last_seen_at = ${past}`)],
      // A membership's username follows its user's (migration 2026112502).
      [
        'username',
        () => sql`update users set username = 'someone-else' where id = ${member.id}`.execute(db),
      ],
    ]
    let logged = 0
    for (const [column, make] of changes) {
      await change(make)
      logged += 1
      t.same(await state(), { touched: true, logged }, `${column} is watched`)
    }
    await change(set(sql`open = false, roles = array['moderator']`))
    t.same(
      await state(),
      { touched: false, logged },
      'setting watched columns to their values is no change',
    )
  },
)
