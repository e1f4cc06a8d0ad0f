// The documents tests expect the service to answer with, written out once and each checked
// against the production schema it must fit (schemas/*.ts): a fixture that no longer fits its
// schema throws, so fixtures and the published shapes cannot drift apart.
import type { TSchema } from '@sinclair/typebox'
import Ajv from 'ajv'
import addFormats from 'ajv-formats'
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import type { Db } from '../../db/database.js'
import { GroupSchema, GroupSummarySchema, type GroupView } from '../../schemas/groups.js'
import { SubscriptionSchema, type SubscriptionView } from '../../schemas/subscriptions.js'

import { ISO_TIMESTAMP } from './api.js'

const ajv = new Ajv.default({ strict: false, allErrors: true })
addFormats.default(ajv)
const validators = new Map<TSchema, ReturnType<typeof ajv.compile>>()

/** `value`, once it fits `schema`; else an error naming the fixture and what does not fit. */
export function fitting<T>(schema: TSchema, value: T, what: string): T {
  let validate = validators.get(schema)
  if (!validate) {
    validate = ajv.compile(schema)
    validators.set(schema, validate)
  }
  if (!validate(value)) {
    throw new Error(`${what} does not fit its schema: ${ajv.errorsText(validate.errors)}`)
  }
  return value
}

/** What a group's expected body is made of: the group, its creator, its counts and dates. */
export interface GroupFields {
  _id: string
  name: string
  creator: { id: string; username: string }
  msgs: number
  usersCount: number
  ts: string
  _updatedAt: string
}

type Extra = Partial<Omit<GroupView, keyof GroupFields | 'u' | 'usernames'>>

/** A group as a `group` answer shows it (groups.info, groups.create, …): schemas/groups.ts. */
export function groupBody(
  fields: GroupFields & { usernames: string[] },
  extra: Extra = {},
): GroupView {
  return fitting(GroupSchema, { ...summaryOf(fields, extra), usernames: fields.usernames }, 'group')
}

/** A group as lists show it (groups.list, rooms.get, …): the body without its usernames. */
export function groupSummary(fields: GroupFields, extra: Extra = {}) {
  return fitting(GroupSummarySchema, summaryOf(fields, extra), 'group summary')
}

function summaryOf(
  { _id, name, creator, msgs, usersCount, ts, _updatedAt }: GroupFields,
  extra: Extra,
) {
  return {
    _id,
    name,
    fname: name,
    t: 'p' as const,
    msgs,
    usersCount,
    u: { _id: creator.id, username: creator.username },
    ts,
    ro: false,
    sysMes: true,
    _updatedAt,
    ...extra,
  }
}

/**
 * A member's subscription as subscriptions.get shows it, written out from the stored group and
 * membership (Rocket.Chat's fields, not the code that publishes them) and checked against the
 * schema that code answers with.
 */
export async function storedSubscription(
  db: Db,
  roomId: string,
  user: { id: string; username: string },
): Promise<SubscriptionView> {
  const room = await db
    .selectFrom('rooms')
    .selectAll()
    .where('id', '=', roomId)
    .executeTakeFirstOrThrow()
  const member = await db
    .selectFrom('room_members')
    .selectAll()
    .where('room_id', '=', roomId)
    .where('user_id', '=', user.id)
    .executeTakeFirstOrThrow()
  const updated = Math.max(room.updated_at.getTime(), member.updated_at.getTime())
  return fitting(
    SubscriptionSchema,
    {
      _id: member.id,
      t: 'p' as const,
      ts: member.created_at.toISOString(),
      ls: member.last_seen_at.toISOString(),
      name: room.name,
      fname: room.fname,
      rid: room.id,
      u: { _id: user.id, username: user.username },
      open: member.open,
      alert: false,
      unread: 0,
      userMentions: 0,
      groupMentions: 0,
      roles: member.roles,
      ...(room.archived ? { archived: true } : {}),
      _updatedAt: new Date(updated).toISOString(),
    },
    'subscription',
  )
}

/** Asserts a 200 answer `{ group, success: true }` whose group's dates are timestamps: its body. */
export function assertGroupAnswer(t: Test, response: LightMyRequestResponse) {
  t.equal(response.statusCode, 200)
  const body = response.json()
  t.same(Object.keys(body).sort(), ['group', 'success'])
  t.equal(body.success, true)
  t.match(body.group.ts, ISO_TIMESTAMP)
  t.match(body.group._updatedAt, ISO_TIMESTAMP)
  return body
}
