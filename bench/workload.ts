import type autocannon from 'autocannon'
import type { Db } from '../db/database.js'
import { applyGroupChange, type GroupChange } from '../db/queries/group-change.js'
import { findGroupWithMemberPage } from '../db/queries/members.js'
import { findGroupWithUsernames, listGroupsOfUser } from '../db/queries/rooms.js'
import type { Actor } from '../domain/actor.js'
import { auditEntry } from '../domain/audit.js'
import { changeGroup } from '../domain/groups/change.js'
import { systemMessageRows } from '../domain/groups/system-messages.js'
import { type Dataset, LARGE_GROUP, memberOf, roomId, SMALL_GROUP, userId } from './dataset.js'

/** One operation of the database-alone loop; each concurrent worker gets its own. */
export type DatabaseOperation = () => Promise<void>

export interface Scenario {
  name: string
  kind: 'read' | 'write'
  /** The autocannon request pipeline one connection repeats. */
  requests: autocannon.Request[]
  /** The same SQL the endpoint needs, without the service; absent for the scale variants. */
  database?: (db: Db) => () => DatabaseOperation
  /** The scenario whose database-alone figure is this one's limit. */
  limitOf: string
  /**
   * Requests of the warm-up, when it must cover them all (one pass over the read pairs, so the
   * login cache has seen every token the scenario sends); else the warm-up is timed.
   */
  warmUpRequests?: number
  /** Limit (c): the hand-written pgbench script (bench/pgbench/) and what it runs on. */
  design: Design
}

export interface Design {
  script: string
  /** The groups it draws from, first and last (bench/dataset.ts numbers them from 1). */
  groups: [number, number]
  /** Requests one run of the script stands for (invite+leave: two, one per transaction). */
  requestsPerTransaction: number
}

interface Cycle {
  group: number
  owner: number
  outsider: number
}

// A fixed seed: two runs with the same settings send the same requests.
function random(seed: number) {
  let state = seed >>> 0
  return (below: number) => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * below)
  }
}

export function scenarios(dataset: Dataset, connections: number): Scenario[] {
  const pick = random(42)
  const groups = dataset.sizes.length - 1
  const anyGroup = () => 1 + pick(groups)
  const headers = (user: number) => ({
    'content-type': 'application/json',
    'x-user-id': userId(user),
    'x-auth-token': dataset.tokens[user] ?? '',
  })
  const readPairs = Array.from({ length: 4096 }, () => {
    const group = anyGroup()
    return { group, user: memberOf(dataset, group, pick(dataset.sizes[group] ?? 1)) }
  })
  let next = 0
  const readPair = () => readPairs[next++ % readPairs.length] ?? { group: 1, user: 1 }
  const read = (path: (group: number) => string): autocannon.Request => ({
    method: 'GET',
    setupRequest: (request) => {
      const pair = readPair()
      return { ...request, path: path(pair.group), headers: headers(pair.user) }
    },
  })
  const readLoop = (op: (db: Db, pair: { group: number; user: number }) => Promise<unknown>) => {
    return (db: Db) => () => async () => void (await op(db, readPair()))
  }

  let renames = 0
  const newName = () => `renamed-${process.pid}-${(renames++).toString(36)}`
  const rename = (group: () => number): autocannon.Request => ({
    method: 'POST',
    setupRequest: (request) => {
      const g = group()
      return {
        ...request,
        path: '/api/v1/groups.rename',
        headers: headers(memberOf(dataset, g, 0)),
        body: JSON.stringify({ roomId: roomId(g), name: newName() }),
      }
    },
  })

  const cycles = (group: () => number, count: number) => {
    const free: Cycle[] = []
    const seen = new Set<string>()
    for (let attempt = 0; free.length < count && attempt < count * 20; attempt++) {
      const g = group()
      const size = dataset.sizes[g] ?? 0
      const outsider = memberOf(dataset, g, size + pick(dataset.users - size))
      if (seen.has(`${g}:${outsider}`)) continue
      seen.add(`${g}:${outsider}`)
      free.push({ group: g, owner: memberOf(dataset, g, 0), outsider })
    }
    return free
  }
  // Each cycle in flight holds its (group, outsider) pair, so no two connections collide.
  const inviteLeave = (free: Cycle[]): autocannon.Request[] => [
    {
      method: 'POST',
      setupRequest: (request, context) => {
        const cycle = free.shift() ?? { group: 1, owner: 1, outsider: 1 }
        Object.assign(context, { cycle })
        return {
          ...request,
          path: '/api/v1/groups.invite',
          headers: headers(cycle.owner),
          body: JSON.stringify({ roomId: roomId(cycle.group), userId: userId(cycle.outsider) }),
        }
      },
    },
    {
      method: 'POST',
      setupRequest: (request, context) => {
        const { cycle } = context as { cycle: Cycle }
        return {
          ...request,
          path: '/api/v1/groups.leave',
          headers: headers(cycle.outsider),
          body: JSON.stringify({ roomId: roomId(cycle.group) }),
        }
      },
      onResponse: (_status, _body, context) => {
        free.push((context as { cycle: Cycle }).cycle)
      },
    },
  ]
  const mainCycles = cycles(() => 3 + pick(Math.max(1, groups - 2)), connections * 4)
  const cycleLoop = (db: Db) => () => {
    let cycle: Cycle | undefined
    return async () => {
      if (!cycle) {
        cycle = mainCycles.shift() ?? { group: 1, owner: 1, outsider: 1 }
        await invite(db, cycle)
      } else {
        await leave(db, cycle)
        mainCycles.push(cycle)
        cycle = undefined
      }
    }
  }

  const design = (script: string, range: [number, number], requestsPerTransaction = 1) => ({
    script,
    groups: range,
    requestsPerTransaction,
  })

  return [
    {
      name: 'groups.info',
      kind: 'read',
      limitOf: 'groups.info',
      warmUpRequests: readPairs.length,
      requests: [read((g) => `/api/v1/groups.info?roomId=${roomId(g)}`)],
      design: design('groups.info.sql', [1, groups]),
      database: readLoop((db, p) =>
        findGroupWithUsernames(db, { roomId: roomId(p.group) }, userId(p.user)),
      ),
    },
    {
      name: 'groups.members',
      kind: 'read',
      limitOf: 'groups.members',
      warmUpRequests: readPairs.length,
      requests: [read((g) => `/api/v1/groups.members?roomId=${roomId(g)}&count=50`)],
      design: design('groups.members.sql', [1, groups]),
      database: readLoop((db, p) =>
        findGroupWithMemberPage(db, { roomId: roomId(p.group) }, userId(p.user), {
          offset: 0,
          count: 50,
        }),
      ),
    },
    {
      name: 'groups.list',
      kind: 'read',
      limitOf: 'groups.list',
      warmUpRequests: readPairs.length,
      requests: [read(() => '/api/v1/groups.list?count=50')],
      design: design('groups.list.sql', [1, groups]),
      database: readLoop((db, p) => listGroupsOfUser(db, userId(p.user), { offset: 0, count: 50 })),
    },
    {
      name: 'groups.rename',
      kind: 'write',
      limitOf: 'groups.rename',
      requests: [rename(anyGroup)],
      design: design('groups.rename.sql', [1, groups]),
      database: (db) => () => async () => {
        const g = anyGroup()
        await renameInTransaction(db, g, memberOf(dataset, g, 0), newName())
      },
    },
    {
      name: `groups.rename @${dataset.sizes[SMALL_GROUP]} members`,
      kind: 'write',
      limitOf: 'groups.rename',
      requests: [rename(() => SMALL_GROUP)],
      design: design('groups.rename.sql', [SMALL_GROUP, SMALL_GROUP]),
    },
    {
      name: `groups.rename @${dataset.sizes[LARGE_GROUP]} members`,
      kind: 'write',
      limitOf: 'groups.rename',
      requests: [rename(() => LARGE_GROUP)],
      design: design('groups.rename.sql', [LARGE_GROUP, LARGE_GROUP]),
    },
    {
      name: 'groups.invite+leave',
      kind: 'write',
      limitOf: 'groups.invite+leave',
      requests: inviteLeave(mainCycles),
      design: design('groups.invite-leave.sql', [3, Math.max(3, groups)], 2),
      database: cycleLoop,
    },
    {
      name: `groups.invite+leave @${dataset.sizes[SMALL_GROUP]} members`,
      kind: 'write',
      limitOf: 'groups.invite+leave',
      requests: inviteLeave(cycles(() => SMALL_GROUP, connections * 2)),
      design: design('groups.invite-leave.sql', [SMALL_GROUP, SMALL_GROUP], 2),
    },
    {
      name: `groups.invite+leave @${dataset.sizes[LARGE_GROUP]} members`,
      kind: 'write',
      limitOf: 'groups.invite+leave',
      requests: inviteLeave(cycles(() => LARGE_GROUP, connections * 2)),
      design: design('groups.invite-leave.sql', [LARGE_GROUP, LARGE_GROUP], 2),
    },
  ]
}

/** A bench user as the service's requests would carry it. */
const actorOf = (n: number): Actor => ({
  id: userId(n),
  username: `user${n}`,
  name: `Bench User ${n}`,
  roles: ['user'],
})

/**
 * One change of a group in the transaction production makes (domain/groups/change.ts): the
 * turns of the group and of the users it changes, the group read and locked with the actor's
 * membership, then the one statement that writes the change with its audit entry and system
 * message (`applyGroupChange`). The permission rules, which read memory, are left out.
 */
async function changeInTransaction(
  db: Db,
  g: number,
  actor: Actor,
  change: Omit<GroupChange, 'roomId' | 'audit' | 'messages'>,
  message: { type: string; msg: string; action: string },
  users?: string[],
) {
  const room = roomId(g)
  await changeGroup(
    db,
    { roomId: room },
    actor,
    (query) => query,
    (trx) =>
      applyGroupChange(trx, {
        roomId: room,
        ...change,
        audit: [auditEntry(actor, { action: message.action, roomId: room })],
        messages: systemMessageRows(room, actor, [message]),
        usernames: true,
      }),
    users ? { ids: users } : undefined,
  )
}

async function renameInTransaction(db: Db, g: number, owner: number, name: string) {
  await changeInTransaction(
    db,
    g,
    actorOf(owner),
    { name },
    {
      type: 'r',
      msg: name,
      action: 'groups.rename',
    },
  )
}

async function invite(db: Db, cycle: Cycle) {
  const outsider = actorOf(cycle.outsider)
  const members = { add: [{ userId: outsider.id, username: outsider.username, roles: [] }] }
  await changeInTransaction(
    db,
    cycle.group,
    actorOf(cycle.owner),
    { members, usersCount: 1 },
    { type: 'au', msg: outsider.username, action: 'groups.invite' },
    [outsider.id],
  )
}

async function leave(db: Db, cycle: Cycle) {
  const outsider = actorOf(cycle.outsider)
  await changeInTransaction(
    db,
    cycle.group,
    outsider,
    { members: { remove: { userId: outsider.id } }, usersCount: -1 },
    { type: 'ul', msg: outsider.username, action: 'groups.leave' },
    [outsider.id],
  )
}
