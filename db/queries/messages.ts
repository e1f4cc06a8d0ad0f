import { sql } from 'kysely'
import type { Executor } from '../executor.js'
import { filterCondition, type ListFilter, type ListSort, type Page } from './listing.js'

export interface MessageWindow {
  latest?: Date | undefined
  oldest?: Date | undefined
  inclusive: boolean
  offset: number
  count: number
}

function oneMillisecondAfter(time: Date) {
  return new Date(time.getTime() + 1)
}

/**
 * A room's messages, newest first, within an optional time window. Stored times have
 * microseconds but the API shows milliseconds, so the bounds compare at millisecond
 * precision: a message's own `ts` sent back as a bound must select that message exactly.
 */
export async function listRoomMessages(db: Executor, roomId: string, window: MessageWindow) {
  let query = db.selectFrom('messages').selectAll().where('room_id', '=', roomId)
  if (window.latest) {
    const end = window.inclusive ? oneMillisecondAfter(window.latest) : window.latest
    query = query.where('created_at', '<', end)
  }
  if (window.oldest) {
    const start = window.inclusive ? window.oldest : oneMillisecondAfter(window.oldest)
    query = query.where('created_at', '>=', start)
  }
  return query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(window.offset)
    .limit(window.count)
    .execute()
}

const messageOrderColumns = { createdAt: 'created_at', updatedAt: 'updated_at' } as const
export type MessageOrderKey = keyof typeof messageOrderColumns

const messageFilterColumns = {
  msg: sql.ref('msg'),
  type: sql.ref('type'),
  userId: sql.ref('user_id'),
  username: sql.ref('username'),
}
export type MessageFilterField = keyof typeof messageFilterColumns

function roomMessages(
  db: Executor,
  roomId: string,
  filter: ListFilter<MessageFilterField> | undefined,
) {
  const query = db.selectFrom('messages').where('room_id', '=', roomId)
  return filter ? query.where(filterCondition(filter, messageFilterColumns)) : query
}

/** A page of a room's messages matching the filter, ties broken by id in the first field's direction. */
export async function listMessages(
  db: Executor,
  roomId: string,
  filter: ListFilter<MessageFilterField> | undefined,
  page: Page,
  order: ListSort<MessageOrderKey>,
) {
  let query = roomMessages(db, roomId, filter).selectAll()
  for (const { field, direction } of order) {
    query = query.orderBy(sql.ref(messageOrderColumns[field]), direction)
  }
  return query
    .orderBy('id', order[0]?.direction ?? 'desc')
    .offset(page.offset)
    .limit(page.count)
    .execute()
}

export async function countMessages(
  db: Executor,
  roomId: string,
  filter?: ListFilter<MessageFilterField>,
) {
  const row = await roomMessages(db, roomId, filter)
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/**
 * A member's unread messages: those written after they last read the room. Compared in SQL, as
 * the stored times have microseconds a JS Date would round away.
 */
export async function countUnreadMessages(db: Executor, roomId: string, userId: string) {
  const row = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('room_id', '=', roomId)
    .where('created_at', '>', (eb) =>
      eb
        .selectFrom('room_members')
        .select('last_seen_at')
        .where('room_members.room_id', '=', roomId)
        .where('room_members.user_id', '=', userId),
    )
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function newestMessageTime(db: Executor, roomId: string) {
  const row = await db
    .selectFrom('messages')
    .select('created_at')
    .where('room_id', '=', roomId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row?.created_at
}
