// The refusals every `groups.*` write gives for the room it is pointed at, shared by the route
// tests that name a group by `roomId` or `roomName`.
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { randomId } from '../../domain/ids.js'
import { api, assertReply, assertUnchanged, refused } from './api.js'
import { createTestUser, groupName } from './base.js'
import { groupFixture } from './fixtures.js'

interface RoomReferences {
  /** The endpoint, e.g. `groups.leave`. */
  endpoint: string
  /** Who sends the request that names no room: a member or the owner of the group. */
  sender: 'member' | 'owner'
  /** The rest of the body, made anew for each request (e.g. a new name for `groups.rename`). */
  body?: () => Record<string, unknown>
}

/**
 * Registers four tests on `t`: no room named, an unknown room, a group the caller is not in,
 * and a global admin who is not a member. Each ends with nothing stored changed.
 */
export function testRoomReferences(t: Test, db: Db, { endpoint, sender, body }: RoomReferences) {
  const send = (app: Parameters<typeof api>[0], caller: Parameters<typeof api>[1], ref: object) =>
    api(app, caller).post(endpoint, { ...body?.(), ...ref })

  t.test(`${endpoint}: no roomId or roomName: error-room-param-not-provided`, async (t) => {
    const fixture = await groupFixture(t, db)
    const refs = [{}, { roomId: '' }, { roomName: '' }, { roomId: '', roomName: '' }]
    for (const ref of refs) {
      const response = await send(fixture.app, fixture[sender], ref)
      assertReply(t, response, 400, refused.roomParamNotProvided, JSON.stringify(ref))
    }
    await assertUnchanged(t, fixture.stored)
  })

  t.test(`${endpoint}: an unknown roomId or roomName: error-room-not-found`, async (t) => {
    const { app } = await groupFixture(t, db)
    const user = await createTestUser(db)
    for (const ref of [{ roomId: randomId() }, { roomName: groupName('missing') }]) {
      assertReply(t, await send(app, user, ref), 400, refused.roomNotFound, JSON.stringify(ref))
    }
  })

  t.test(`${endpoint}: a group the caller is not in answers like a missing one`, async (t) => {
    const { app, group, stored } = await groupFixture(t, db)
    const outsider = await createTestUser(db)
    for (const ref of [{ roomId: group._id }, { roomName: group.name }]) {
      assertReply(t, await send(app, outsider, ref), 400, refused.roomNotFound, JSON.stringify(ref))
    }
    await assertUnchanged(t, stored)
  })

  t.test(`${endpoint}: a global admin who is not a member gets error-room-not-found`, async (t) => {
    const { app, group, stored } = await groupFixture(t, db)
    const admin = await createTestUser(db, { roles: ['admin', 'user'] })
    assertReply(t, await send(app, admin, { roomId: group._id }), 400, refused.roomNotFound)
    await assertUnchanged(t, stored)
  })
}
