// No window at a stream's start: on a freshly built process, with groups created every few
// milliseconds from before a stream is opened until after, every group asked for after the
// client saw the stream's first byte (SSE) or `ready` (DDP) reaches it.
import t, { type Test } from 'tap'
import { createTestUser, groupName, type TestUser, testDatabase } from '../helper.js'
import { listeningApp, loggedIn } from '../support/ddp.js'
import { EventStreamClient, WAIT_MS } from './event-stream-client.js'

const db = await testDatabase(t)
/** Changes asked for after the client saw its start, per stream: enough to cross any window. */
const AFTER_START = 15
const WRITERS = 4

/**
 * Creates groups with `member` in them one after another, through REST, until stopped; each
 * is noted with whether the client had seen its stream start (`start()`) when it was asked for.
 */
function changeFlow(base: string, owner: TestUser, member: TestUser) {
  const asked: Array<{ name: string; afterStart: boolean }> = []
  let stop = false
  let started = false
  /** Several writers at once, so that a change commits every few milliseconds. */
  const write = async () => {
    while (!stop) {
      const name = groupName('window')
      const entry = { name, afterStart: started }
      asked.push(entry)
      const response = await fetch(`${base}/api/v1/groups.create`, {
        method: 'POST',
        headers: { ...owner.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ name, members: [member.username] }),
      })
      if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`)
    }
  }
  const done = Promise.all(Array.from({ length: WRITERS }, write))
  const flow = {
    asked,
    /** The client has seen the stream's start: changes asked for from now on are due. */
    start() {
      started = true
    },
    /** Stops once `count` changes were asked for after every start. */
    async stopAfter(count: number) {
      while (asked.filter((entry) => entry.afterStart).length < count) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      stop = true
      await done
    },
    /** The names of the groups asked for after the start. */
    due: () => asked.filter((entry) => entry.afterStart).map((entry) => entry.name),
  }
  return flow
}

/** Group names in the `inserted` subscriptions of a stream's blocks. */
function insertedNames(client: EventStreamClient): Set<string> {
  const names = new Set<string>()
  for (const block of client.blocks) {
    if (!block.event?.endsWith('/subscriptions-changed') || !block.data) continue
    const [action, subscription] = JSON.parse(block.data) as [string, { name: string }]
    if (action === 'inserted') names.add(subscription.name)
  }
  return names
}

async function eventually(t: Test, what: string, check: () => string[]) {
  const deadline = Date.now() + WAIT_MS
  let missing = check()
  while (missing.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    missing = check()
  }
  t.strictSame(missing, [], what)
}

t.test('SSE: every change asked for after the 200 reaches the stream', async (t) => {
  const { base } = await listeningApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const flow = changeFlow(base, owner, member)
  // Changes flow before the stream is opened.
  while (flow.asked.length < 3) await new Promise((resolve) => setTimeout(resolve, 2))
  const client = await EventStreamClient.open(t, base, { user: member })
  flow.start()
  await flow.stopAfter(AFTER_START)
  await eventually(t, 'no change asked for after the 200 is missing', () => {
    const heard = insertedNames(client)
    return flow.due().filter((name) => !heard.has(name))
  })
})

t.test('DDP: every change asked for after ready reaches the subscription', async (t) => {
  const { base, url } = await listeningApp(t, db)
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const flow = changeFlow(base, owner, member)
  while (flow.asked.length < 3) await new Promise((resolve) => setTimeout(resolve, 2))
  const client = await loggedIn(t, url, member)
  const ready = await client.subscribe(
    's',
    'stream-notify-user',
    `${member.id}/subscriptions-changed`,
  )
  t.equal(ready.msg, 'ready')
  flow.start()
  await flow.stopAfter(AFTER_START)
  await eventually(t, 'no change asked for after ready is missing', () => {
    const heard = new Set<string>()
    for (const [action, subscription] of client.events(
      'stream-notify-user',
      `${member.id}/subscriptions-changed`,
    ) as Array<[string, { name: string }]>) {
      if (action === 'inserted') heard.add(subscription.name)
    }
    return flow.due().filter((name) => !heard.has(name))
  })
})

t.test('50 streams opened at once each get every change asked for after their 200', async (t) => {
  // All 50 are the same user's: the per-user cap (20 by default) is not this test's subject.
  const { base } = await listeningApp(t, db, { REALTIME_MAX_CONNECTIONS_PER_USER: 50 })
  const owner = await createTestUser(db)
  const member = await createTestUser(db)
  const flow = changeFlow(base, owner, member)
  while (flow.asked.length < 3) await new Promise((resolve) => setTimeout(resolve, 2))
  /** For each stream, how many changes had been asked for when its 200 arrived. */
  const startedAt: number[] = []
  const clients = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      const client = await EventStreamClient.open(t, base, { user: member })
      startedAt[i] = flow.asked.length
      return client
    }),
  )
  flow.start()
  await flow.stopAfter(AFTER_START)
  await eventually(t, 'no stream misses a change asked for after its own 200', () =>
    clients.flatMap((client, i) => {
      const heard = insertedNames(client)
      return flow.asked
        .slice(startedAt[i])
        .filter((entry) => !heard.has(entry.name))
        .map((entry) => `stream ${i}: ${entry.name}`)
    }),
  )
})
