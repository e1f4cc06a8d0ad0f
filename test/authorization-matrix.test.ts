import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { fixture } from './helper.js'

const db = await fixture.testDatabase(t)

const ROLES = [
  'anonymous',
  'nonMember',
  'member',
  'moderator',
  'owner',
  'adminNonMember',
  'adminMember',
] as const
type Role = (typeof ROLES)[number]

/**
 * 'allow': not refused for authorization reasons (200, or a 400 naming another rule);
 * 401: not logged in; an errorType: that 400 refusal; '403 errorType': that 403 refusal.
 */
type Outcome = 'allow' | 401 | string
type Row = Record<Role, Outcome>

const NOT_FOUND = 'error-room-not-found'
const NOT_ALLOWED = 'error-not-allowed'
const NOT_AUTHORIZED = 'error-not-authorized'
const ACTION_NOT_ALLOWED = 'error-action-not-allowed'
const UNAUTHORIZED = '403 error-unauthorized'

/** Refusals that are about who calls, as opposed to what the request asks. */
const AUTHORIZATION_REFUSALS = new Set([
  'error-room-not-found',
  'error-not-allowed',
  'error-action-not-allowed',
  'error-unauthorized',
  'error-not-authorized',
  'unauthorized',
])

const everyone = (outcome: Outcome): Row =>
  Object.fromEntries(ROLES.map((role) => [role, outcome])) as Row
const loggedIn = (outcome: Outcome): Row => ({ ...everyone(outcome), anonymous: 401 })
/** Any member of the group; strangers, admins included, do not learn the group exists. */
const members: Row = {
  anonymous: 401,
  nonMember: NOT_FOUND,
  member: 'allow',
  moderator: 'allow',
  owner: 'allow',
  adminNonMember: NOT_FOUND,
  adminMember: 'allow',
}
/** Members holding a room permission that owners, moderators and admins have. */
const moderators: Row = { ...members, member: NOT_ALLOWED }
/** Members holding a room permission of owners and admins only. */
const owners: Row = { ...moderators, moderator: NOT_ALLOWED }
/** Members holding `edit-room` (owners, moderators, admins). */
const editors: Row = { ...members, member: ACTION_NOT_ALLOWED }
/** Callers holding a global permission only admins have, refused with `refusal`. */
const globalAdmins = (refusal: Outcome): Row => ({
  ...loggedIn(refusal),
  adminNonMember: 'allow',
  adminMember: 'allow',
})

const MATRIX: Record<string, Row> = {
  'GET /api/info': everyone('allow'),
  'GET /api/v1/events': loggedIn('allow'),
  'GET /api/v1/groups.auditLog': {
    ...members,
    member: UNAUTHORIZED,
    moderator: UNAUTHORIZED,
    adminNonMember: 'allow',
  },
  'GET /api/v1/groups.counters': members,
  'GET /api/v1/groups.history': members,
  'GET /api/v1/groups.info': members,
  'GET /api/v1/groups.list': loggedIn('allow'),
  'GET /api/v1/groups.listAll': globalAdmins(UNAUTHORIZED),
  'GET /api/v1/groups.members': members,
  'GET /api/v1/groups.messages': members,
  'GET /api/v1/groups.moderators': members,
  // Rocket.Chat's own refusal here; an unknown group answers the same.
  'GET /api/v1/groups.online': { ...members, nonMember: NOT_ALLOWED, adminNonMember: NOT_ALLOWED },
  'GET /api/v1/groups.roles': members,
  'GET /api/v1/me': loggedIn('allow'),
  'GET /api/v1/permissions.listAll': loggedIn('allow'),
  'GET /api/v1/roles.list': loggedIn('allow'),
  'GET /api/v1/rooms.get': loggedIn('allow'),
  'GET /api/v1/subscriptions.get': loggedIn('allow'),
  'GET /api/v1/subscriptions.getOne': loggedIn('allow'),
  'GET /api/v1/users.info': loggedIn('allow'),
  'GET /api/v1/users.list': loggedIn('allow'),
  'POST /api/v1/events.ticket': loggedIn('allow'),
  'POST /api/v1/groups.addLeader': owners,
  'POST /api/v1/groups.addModerator': owners,
  'POST /api/v1/groups.addOwner': owners,
  'POST /api/v1/groups.archive': { ...members, member: NOT_AUTHORIZED, moderator: NOT_AUTHORIZED },
  'POST /api/v1/groups.close': members,
  'POST /api/v1/groups.create': loggedIn('allow'),
  'POST /api/v1/groups.delete': owners,
  'POST /api/v1/groups.invite': moderators,
  'POST /api/v1/groups.kick': moderators,
  'POST /api/v1/groups.leave': members,
  'POST /api/v1/groups.open': members,
  'POST /api/v1/groups.removeLeader': owners,
  'POST /api/v1/groups.removeModerator': owners,
  'POST /api/v1/groups.removeOwner': owners,
  'POST /api/v1/groups.rename': editors,
  'POST /api/v1/groups.setAnnouncement': editors,
  'POST /api/v1/groups.setCustomFields': editors,
  'POST /api/v1/groups.setDescription': editors,
  'POST /api/v1/groups.setPurpose': editors,
  'POST /api/v1/groups.setReadOnly': editors,
  'POST /api/v1/groups.setTopic': editors,
  'POST /api/v1/groups.setType': members,
  'POST /api/v1/groups.unarchive': {
    ...members,
    member: NOT_AUTHORIZED,
    moderator: NOT_AUTHORIZED,
    owner: NOT_AUTHORIZED,
  },
  'POST /api/v1/login': everyone('allow'),
  'POST /api/v1/logout': loggedIn('allow'),
  'POST /api/v1/permissions.update': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/roles.addUserToRole': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/roles.removeUserFromRole': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/users.create': globalAdmins(ACTION_NOT_ALLOWED),
  'POST /api/v1/users.delete': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/users.register': everyone('allow'),
  'POST /api/v1/users.update': globalAdmins(ACTION_NOT_ALLOWED),
  'GET /api/v1/webhooks.list': globalAdmins(UNAUTHORIZED),
  'GET /api/v1/webhooks.deliveries': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.create': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.update': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.delete': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.rotateSecret': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.test': globalAdmins(UNAUTHORIZED),
  'POST /api/v1/webhooks.redeliver': globalAdmins(UNAUTHORIZED),
}

interface World {
  group: { _id: string; name: string }
  owner: fixture.TestUser
  target: fixture.TestUser
  outsider: fixture.TestUser
  actors: Record<Exclude<Role, 'anonymous'>, fixture.TestUser>
}

/** A fresh group: owner, a moderator, a plain member, an admin member and a target member. */
async function buildWorld(app: FastifyInstance): Promise<World> {
  const owner = await fixture.createTestUser(db)
  const moderator = await fixture.createTestUser(db)
  const member = await fixture.createTestUser(db)
  const target = await fixture.createTestUser(db)
  const adminMember = await fixture.createTestUser(db, { roles: ['user', 'admin'] })
  const group = await fixture.createTestGroup(app, owner, [moderator, member, target, adminMember])
  await post(app, owner, 'groups.addModerator', { roomId: group._id, userId: moderator.id })
  return {
    group,
    owner,
    target,
    outsider: await fixture.createTestUser(db),
    actors: {
      nonMember: await fixture.createTestUser(db),
      member,
      moderator,
      owner,
      adminNonMember: await fixture.createTestUser(db, { roles: ['user', 'admin'] }),
      adminMember,
    },
  }
}

async function post(
  app: FastifyInstance,
  user: fixture.TestUser,
  endpoint: string,
  payload: object,
) {
  const response = await app.inject({
    method: 'POST',
    url: `/api/v1/${endpoint}`,
    headers: user.headers,
    payload,
  })
  if (response.statusCode !== 200) throw new Error(`${endpoint} failed: ${response.body}`)
}

type Params = Record<string, unknown>

/** Puts the world in the state the request needs (a role to remove, an archived group…). */
type Prepare = (
  app: FastifyInstance,
  world: World,
  actor: fixture.TestUser | undefined,
) => Promise<void>
const PREPARE: Record<string, Prepare> = {
  'groups.removeOwner': (app, w) =>
    post(app, w.owner, 'groups.addOwner', { roomId: w.group._id, userId: w.target.id }),
  'groups.removeModerator': (app, w) =>
    post(app, w.owner, 'groups.addModerator', { roomId: w.group._id, userId: w.target.id }),
  'groups.removeLeader': (app, w) =>
    post(app, w.owner, 'groups.addLeader', { roomId: w.group._id, userId: w.target.id }),
  'groups.unarchive': (app, w) => post(app, w.owner, 'groups.archive', { roomId: w.group._id }),
  // Hidden by the caller, when the caller can hide it: strangers try to open it as it is.
  'groups.open': async (app, w, actor) => {
    if (!actor) return
    await app.inject({
      method: 'POST',
      url: '/api/v1/groups.close',
      headers: actor.headers,
      payload: { roomId: w.group._id },
    })
  },
}

/** A valid request of each endpoint, by its last path segment, for the given world and caller. */
function validParams(endpoint: string, w: World, actor: fixture.TestUser | undefined): Params {
  const room = { roomId: w.group._id }
  const roomAndTarget = { ...room, userId: w.target.id }
  const fresh = fixture.groupName('user')
  switch (endpoint) {
    case 'info':
    case 'events':
    case 'events.ticket':
    case 'groups.list':
    case 'groups.listAll':
    case 'me':
    case 'logout':
    case 'permissions.listAll':
    case 'roles.list':
    case 'rooms.get':
    case 'subscriptions.get':
    case 'users.list':
      return {}
    case 'groups.create':
      return { name: fixture.groupName() }
    case 'groups.online':
      return { _id: w.group._id }
    case 'groups.rename':
      return { ...room, name: fixture.groupName() }
    case 'groups.invite':
      return { ...room, userId: w.outsider.id }
    case 'groups.kick':
    case 'groups.addOwner':
    case 'groups.addModerator':
    case 'groups.addLeader':
    case 'groups.removeOwner':
    case 'groups.removeModerator':
    case 'groups.removeLeader':
      return roomAndTarget
    case 'groups.setTopic':
      return { ...room, topic: 'a topic' }
    case 'groups.setAnnouncement':
      return { ...room, announcement: 'an announcement' }
    case 'groups.setDescription':
      return { ...room, description: 'a description' }
    case 'groups.setPurpose':
      return { ...room, purpose: 'a purpose' }
    case 'groups.setReadOnly':
      return { ...room, readOnly: true }
    case 'groups.setCustomFields':
      return { ...room, customFields: { team: 'blue' } }
    case 'groups.setType':
      return { ...room, type: 'p' }
    case 'login':
      return { user: (actor ?? w.outsider).username, password: fixture.TEST_PASSWORD }
    case 'permissions.update':
      return { permissions: [{ _id: 'edit-room', roles: ['admin', 'owner'] }] }
    case 'roles.addUserToRole':
      return { roleName: 'bot', username: w.target.username }
    case 'roles.removeUserFromRole':
      return { roleName: 'user', username: w.target.username }
    case 'users.create':
      return { username: fresh, email: `${fresh}@example.com`, name: fresh, password: 'a secret' }
    case 'users.register':
      return { username: fresh, email: `${fresh}@example.com`, name: fresh, pass: 'a secret' }
    case 'users.delete':
    case 'users.info':
      return { userId: w.target.id }
    case 'users.update':
      return { userId: w.target.id, data: { name: 'Renamed' } }
    case 'webhooks.list':
      return {}
    // The server has no WEBHOOK_ENCRYPTION_KEY, so an admin's create is refused for that.
    case 'webhooks.create':
      return { url: 'https://hooks.example.com/' }
    // No such webhook: an admin is refused for that, anyone else for who they are.
    case 'webhooks.update':
    case 'webhooks.delete':
    case 'webhooks.rotateSecret':
    case 'webhooks.test':
    case 'webhooks.deliveries':
      return { webhookId: 'noSuchWebhook0000' }
    case 'webhooks.redeliver':
      return { webhookId: 'noSuchWebhook0000', deliveryId: '1' }
    default:
      // Any other group endpoint: the group, as every group endpoint takes it.
      return room
  }
}

/**
 * The status and body of an answer. An event stream is read as a stream: one it accepts stays
 * open, so it is closed at once and its body left unread.
 */
async function answerOf(response: LightMyRequestResponse, streams: boolean) {
  if (!streams) return { status: response.statusCode, body: response.body }
  if (response.statusCode === 200) {
    response.raw.res.destroy()
    return { status: 200, body: '{}' }
  }
  const chunks: Buffer[] = []
  for await (const chunk of response.stream()) chunks.push(chunk as Buffer)
  return { status: response.statusCode, body: Buffer.concat(chunks).toString() }
}

function outcomeOf(status: number, body: { errorType?: string }): Outcome {
  if (status === 200) return 'allow'
  if (status === 401) return 401
  const errorType = body.errorType ?? ''
  if (status === 403) return `403 ${errorType}`
  if (status === 400) return AUTHORIZATION_REFUSALS.has(errorType) ? errorType : 'allow'
  return `${status} ${errorType}`
}

// One app for every row: each row builds fresh users and groups of its own. Registration is off
// by default; the matrix checks who may register when it is on.
const { server: app, routes } = await fixture.buildAppWithRoutes(
  t,
  db,
  fixture.testConfig({ ALLOW_REGISTRATION: 'true' }),
)

t.test('every route of the app has a row, and every row a route', async (t) => {
  t.comment(`routes seen: ${routes.map((route) => route.key).join(', ')}`)
  t.same(
    routes.map((route) => route.key),
    Object.keys(MATRIX).sort((a, b) => a.localeCompare(b)),
    'the matrix lists exactly the routes the app has',
  )
})

const observed: string[] = []

for (const [key, row] of Object.entries(MATRIX)) {
  t.test(key, async (t) => {
    const [method, url] = key.split(' ') as ['GET' | 'POST', string]
    const endpoint = url.split('/').at(-1) ?? ''
    const streams = routes.some((route) => route.key === key && fixture.isEventStream(route))
    const cells: string[] = []
    // A GET changes nothing the next caller's answer depends on: one world serves the whole row.
    // A POST may (a leave, a kick, a delete): each caller gets a world of its own.
    const shared = method === 'GET' ? await buildWorld(app) : undefined
    for (const role of ROLES) {
      const world = shared ?? (await buildWorld(app))
      const actor = role === 'anonymous' ? undefined : world.actors[role]
      await PREPARE[endpoint]?.(app, world, actor)
      const params = validParams(endpoint, world, actor)
      const response = await app.inject({
        method,
        url,
        headers: actor?.headers ?? {},
        ...(method === 'GET' ? { query: params as Record<string, string> } : { payload: params }),
        payloadAsStream: streams,
      })
      const { status, body } = await answerOf(response, streams)
      const outcome = outcomeOf(status, JSON.parse(body))
      cells.push(
        `${role}: ${outcome}${status === 400 && outcome === 'allow' ? ` (400 ${JSON.parse(body).errorType})` : ''}`,
      )
      t.equal(outcome, row[role], `${role}: ${status} ${body.slice(0, 160)}`)
    }
    observed.push(`${key} -> ${cells.join(', ')}`)
  })
}

t.teardown(() => {
  if (process.env.MATRIX_PRINT) for (const line of observed) console.log(line)
})
