import type { Db } from '../../db/database.js'
import type { Executor } from '../../db/executor.js'
import {
  findMembership,
  type GroupMembership,
  listGroupsOfMemberChangedAfter,
  listMembershipsChangedAfter,
} from '../../db/queries/catch-up.js'
import { prunedBefore } from '../../db/queries/events.js'
import type { Actor } from '../actor.js'
import { isStorableTime } from '../dates.js'
import { type ApiError, errors } from '../errors.js'
import { roomDocument, type SubscriptionDocument, subscriptionDocument } from './documents.js'
import type { EventLog, Removal } from './log/event-log.js'

/**
 * `updatedSince` as a moment, or none when absent or empty (Rocket.Chat skips an empty one too).
 * Anything `Date` cannot read, or outside the years the database stores, is refused.
 */
function sinceParam(text: string | undefined, refusal: () => ApiError): Date | undefined {
  if (!text) return undefined
  const since = new Date(text)
  if (!isStorableTime(since)) throw refusal()
  return since
}

function toSubscription({ room, member }: GroupMembership): SubscriptionDocument {
  return subscriptionDocument(room, member)
}

function toRemoved(removal: Removal) {
  return { _id: removal.id, _deletedAt: removal.deletedAt.toISOString() }
}

/**
 * Both lists are read in one snapshot, so nothing is both updated and removed by a race. The
 * removals come from the event log, so a moment before what it keeps is refused, checked in the
 * same snapshot: a prune that commits meanwhile is either seen whole or not at all.
 */
function inOneSnapshot<T>(db: Db, since: Date, read: (trx: Executor) => Promise<T>) {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const keptSince = await prunedBefore(trx)
      if (keptSince && since < keptSince) throw errors.updatedSinceTooOld(keptSince.toISOString())
      return read(trx)
    })
}

/** One catch-up list: what changed, and with a moment, what was removed since it. */
interface CatchUp<T> {
  refusal: () => ApiError
  changed(db: Executor, userId: string, since?: Date): Promise<T[]>
  removed(removals: { subscriptions: Removal[]; rooms: Removal[] }): Removal[]
}

async function catchUp<T>(
  db: Db,
  log: EventLog,
  actor: Actor,
  updatedSince: string | undefined,
  list: CatchUp<T>,
) {
  const since = sinceParam(updatedSince, list.refusal)
  if (!since) return { update: await list.changed(db, actor.id), remove: [] }
  return inOneSnapshot(db, since, async (trx) => ({
    update: await list.changed(trx, actor.id, since),
    remove: list.removed(await log.removalsSince(actor.id, since, trx)).map(toRemoved),
  }))
}

/**
 * The caller's subscriptions. With `updatedSince`, those changed after it, and the caller's
 * subscriptions removed after it (kicked, left, or the group deleted).
 */
export function subscriptionsSince(db: Db, log: EventLog, actor: Actor, updatedSince?: string) {
  return catchUp(db, log, actor, updatedSince, {
    refusal: errors.invalidLastUpdate,
    changed: async (trx, userId, since) =>
      (await listMembershipsChangedAfter(trx, userId, since)).map(toSubscription),
    removed: (removals) => removals.subscriptions,
  })
}

/**
 * The caller's subscription to a group, or null: a group they are not in answers as one that
 * does not exist.
 */
export async function subscriptionOf(db: Db, actor: Actor, roomId: string) {
  if (!roomId) throw errors.roomIdParamRequired()
  const membership = await findMembership(db, roomId, actor.id)
  return membership ? toSubscription(membership) : null
}

/**
 * The caller's groups. With `updatedSince`, those changed after it, and the groups deleted after
 * it that the caller was in then (Rocket.Chat lists every deleted room, to anyone).
 */
export function roomsSince(db: Db, log: EventLog, actor: Actor, updatedSince?: string) {
  return catchUp(db, log, actor, updatedSince, {
    refusal: errors.updatedSinceParamInvalid,
    changed: async (trx, userId, since) =>
      (await listGroupsOfMemberChangedAfter(trx, userId, since)).map(roomDocument),
    removed: (removals) => removals.rooms,
  })
}
