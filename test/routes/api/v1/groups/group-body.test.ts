// The group body (`{ group, success }`) is serialized by its response schema, with the
// usernames the database wrote as JSON text spliced in unparsed. Every endpoint answering with
// a group is checked here against the schema the OpenAPI document publishes, and its usernames
// against the stored members, in joining order.
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import type { Db } from '../../../../../db/database.js'
import {
  api,
  buildApp,
  createTestGroup,
  createTestUser,
  seedMembers,
  type TestUser,
  testDatabase,
} from '../../../../helper.js'

const db = await testDatabase(t)

interface Documented {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>
}

const ajv = new Ajv.default({ strict: false, allErrors: true })
addFormats.default(ajv)

/** The published schema of a route's 200 answer, as a validator. */
async function validatorOf(app: FastifyInstance, method: string, path: string) {
  const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json<Documented>()
  const ok = doc.paths[path]?.[method]?.responses['200'] as {
    content: Record<string, { schema: object }>
  }
  const schema = ok.content['application/json']?.schema
  if (!schema) throw new Error(`${method} ${path} documents no JSON answer`)
  return ajv.compile({ ...schema, components: (doc as { components?: unknown }).components })
}

/** The members' usernames as stored, in the order they joined. */
async function storedUsernames(db: Db, roomId: string) {
  const rows = await db
    .selectFrom('room_members')
    .select('username')
    .where('room_id', '=', roomId)
    .orderBy('created_at')
    .orderBy('username')
    .execute()
  return rows.map((row) => row.username)
}

t.test(
  'every answer with a group matches its published schema and the stored members',
  async (t) => {
    const app = await buildApp(t, db)
    const owner = await createTestUser(db, { roles: ['user', 'admin'] })
    const members: TestUser[] = []
    for (let i = 0; i < 3; i++) members.push(await createTestUser(db))
    const [a, b, c] = members as [TestUser, TestUser, TestUser]
    const as = (user: TestUser, group: { _id: string }) => api(app, user).on(group)

    const created = await api(app, owner).post('groups.create', {
      name: `body-${a.id.toLowerCase()}`,
      members: [a.username, b.username],
      // A custom field shaped like the usernames must stay where it is.
      customFields: { usernames: ['not', 'members'], nested: { usernames: [] } },
    })
    const group = created.json().group as { _id: string }
    const createdShape = await validatorOf(app, 'post', '/api/v1/groups.create')
    t.ok(createdShape(created.json()), 'groups.create: matches the published schema', {
      errors: createdShape.errors,
    })
    await seedMembers(db, group._id, 250)

    const answers: Array<[string, string, () => ReturnType<ReturnType<typeof api>['post']>]> = [
      ['get', '/api/v1/groups.info', () => api(app, a).get('groups.info', { roomId: group._id })],
      [
        'post',
        '/api/v1/groups.invite',
        () => as(owner, group).post('groups.invite', { userId: c.id }),
      ],
      [
        'post',
        '/api/v1/groups.invite',
        () => as(owner, group).post('groups.invite', { userId: c.id }),
      ],
      [
        'post',
        '/api/v1/groups.rename',
        () => as(owner, group).post('groups.rename', { name: `body2-${a.id.toLowerCase()}` }),
      ],
      [
        'post',
        '/api/v1/groups.setReadOnly',
        () => as(owner, group).post('groups.setReadOnly', { readOnly: true }),
      ],
      [
        'post',
        '/api/v1/groups.setCustomFields',
        () =>
          as(owner, group).post('groups.setCustomFields', { customFields: { usernames: ['x'] } }),
      ],
      [
        'post',
        '/api/v1/groups.setCustomFields',
        () =>
          as(owner, group).post('groups.setCustomFields', { customFields: { usernames: ['x'] } }),
      ],
      ['post', '/api/v1/groups.leave', () => as(b, group).post('groups.leave')],
    ]
    for (const [method, path, send] of answers) {
      const reply = await send()
      t.equal(reply.statusCode, 200, `${path}: 200`)
      t.match(reply.headers['content-type'], /^application\/json$/, `${path}: JSON`)
      const body = reply.json()
      const validate = await validatorOf(app, method, path)
      t.ok(validate(body), `${path}: matches the published schema`, { errors: validate.errors })
      t.same(
        body.group.usernames,
        await storedUsernames(db, group._id),
        `${path}: the stored members in joining order`,
      )
      t.equal(body.group.usernames.length, body.group.usersCount, `${path}: as many as usersCount`)
    }
    const info = (await api(app, a).get('groups.info', { roomId: group._id })).json()
    t.same(info.group.customFields, { usernames: ['x'] }, 'a custom field named usernames is kept')
    t.notOk(info.group.usernames.includes(b.username), 'the member who left is gone')
    t.ok(info.group.usernames.includes(c.username), 'the invited member is there')
  },
)

t.test('a group of one: the usernames are a one-entry array', async (t) => {
  const app = await buildApp(t, db)
  const owner = await createTestUser(db)
  const group = await createTestGroup(app, owner)
  const reply = await api(app, owner).get('groups.info', { roomId: group._id })
  t.equal(reply.statusCode, 200)
  t.same(reply.json().group.usernames, [owner.username])
  t.match(reply.body, `"usernames":["${owner.username}"]`, 'written as compact JSON')
})
