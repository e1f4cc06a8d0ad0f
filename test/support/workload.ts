import { randomInt } from 'node:crypto'
import type { Db } from '../../db/database.js'
import type { TestUser } from './base.js'

export type Operation = 'leave' | 'kick' | 'addOwner' | 'removeOwner' | 'rename' | 'invite'

/** The system message each successful operation writes, by which its effect is traced. */
export const messageTypeOf: Record<Operation, string> = {
  leave: 'ul',
  kick: 'ru',
  addOwner: 'subscription-role-added',
  removeOwner: 'subscription-role-removed',
  rename: 'r',
  invite: 'au',
}

export interface Outcome {
  operation: Operation
  roomId: string
  /** HTTP status, or 0 when no answer arrived (connection refused or dropped). */
  status: number
  errorType?: string
}

export interface WorkloadGroup {
  id: string
  users: TestUser[]
}

const pick = <T>(items: T[]): T => items[randomInt(items.length)] as T

let renameCounter = 0

function request(group: WorkloadGroup, operation: Operation) {
  const actor = pick(group.users)
  const target = pick(group.users)
  const base = { roomId: group.id }
  switch (operation) {
    case 'leave':
      return { actor, path: 'groups.leave', body: base }
    case 'rename':
      renameCounter += 1
      return {
        actor,
        path: 'groups.rename',
        body: { ...base, name: `w${renameCounter}-${randomInt(1e9)}` },
      }
    default:
      return { actor, path: `groups.${operation}`, body: { ...base, userId: target.id } }
  }
}

/**
 * Fires `total` random membership operations at the servers from `clients` concurrent clients
 * and records what each one answered. `onProgress` runs after every answer (fault injection).
 */
export async function runWorkload(options: {
  servers: () => string[]
  groups: WorkloadGroup[]
  total: number
  clients: number
  operations?: Operation[]
  onProgress?: (done: number) => Promise<void> | void
}): Promise<Outcome[]> {
  const operations = options.operations ?? [
    'leave',
    'kick',
    'addOwner',
    'removeOwner',
    'rename',
    'invite',
  ]
  const outcomes: Outcome[] = []
  let issued = 0
  const client = async () => {
    while (issued < options.total) {
      issued += 1
      const group = pick(options.groups)
      const operation = pick(operations)
      const { actor, path, body } = request(group, operation)
      let outcome: Outcome
      try {
        const response = await fetch(`${pick(options.servers())}/api/v1/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...actor.headers },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        })
        const json = (await response.json()) as { errorType?: string }
        outcome = {
          operation,
          roomId: group.id,
          status: response.status,
          ...(json.errorType ? { errorType: json.errorType } : {}),
        }
      } catch {
        outcome = { operation, roomId: group.id, status: 0 }
      }
      outcomes.push(outcome)
      await options.onProgress?.(outcomes.length)
    }
  }
  await Promise.all(Array.from({ length: options.clients }, client))
  return outcomes
}

export interface LostUpdate {
  roomId: string
  operation: Operation
  succeeded: number
  unanswered: number
  stored: number
}

/** Stored message counts by `roomId/type`, to compare before and after a workload. */
export async function countMessages(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('messages')
    .select(['room_id', 'type'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .groupBy(['room_id', 'type'])
    .execute()
  return new Map(rows.map((row) => [`${row.room_id}/${row.type}`, Number(row.count)]))
}

/**
 * Every 200 must show in the messages stored since `before` (no lost update), and nothing may
 * be stored that no client caused: per room and operation,
 * 200s <= stored <= 200s + unanswered requests. Inviting a current member answers 200 but
 * stores nothing, so invites are only bounded from above.
 */
export async function findLostUpdates(
  db: Db,
  outcomes: Outcome[],
  before: Map<string, number>,
): Promise<LostUpdate[]> {
  const after = await countMessages(db)
  const tally = new Map<string, LostUpdate>()
  for (const outcome of outcomes) {
    const key = `${outcome.roomId}/${messageTypeOf[outcome.operation]}`
    const entry = tally.get(key) ?? {
      roomId: outcome.roomId,
      operation: outcome.operation,
      succeeded: 0,
      unanswered: 0,
      stored: (after.get(key) ?? 0) - (before.get(key) ?? 0),
    }
    if (outcome.status === 200) entry.succeeded += 1
    if (outcome.status === 0) entry.unanswered += 1
    tally.set(key, entry)
  }
  return [...tally.values()].filter((entry) => {
    const floor = entry.operation === 'invite' ? 0 : entry.succeeded
    return entry.stored < floor || entry.stored > entry.succeeded + entry.unanswered
  })
}
