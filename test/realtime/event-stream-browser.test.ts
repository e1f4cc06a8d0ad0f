// The example page (examples/live-events.html) in a real Chromium: it streams its user's events
// with a ticket; the server process restarts; the browser's own EventSource reconnects with the
// same URL and Last-Event-ID, and the page shows what happened meanwhile exactly once.
import { mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { postgresUrl, projectFile, testDatabase, until, within } from '../helper.js'
import { browserPage } from '../support/browser.js'
import { databaseUrlOf } from '../support/cluster.js'
import { type ServerProcess, startServer } from '../support/server-process.js'
import { migratedDataDir } from '../support/template.js'
import { EventStreamClient } from './event-stream-client.js'

/** Long enough for a server restart and the browser's retry (3 s) after it. */
const RECONNECT_MS = 30_000

const PAGE = readFileSync(projectFile('examples', 'live-events.html'), 'utf8')
const PASSWORD = 'a long browser test secret'

/** A port free now, for both processes: the page reconnects to the same URL. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise((resolve) => server.close(resolve))
  if (!address || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Where the service keeps its data across the restart: the test's PostgreSQL database, or, on
 * the embedded database, a data directory of its own (the test process then reaches it only over
 * HTTP, which is all the test needs).
 */
async function storage(t: Test): Promise<Record<string, string>> {
  if (postgresUrl) return { DATABASE_URL: await databaseUrlOf(await testDatabase(t), postgresUrl) }
  return { DATA_DIR: await migratedDataDir(t, 'browser-resume-') }
}

async function call(base: string, path: string, body: unknown, headers = {}) {
  const response = await fetch(`${base}/api/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  const json = await response.json()
  if (response.status !== 200) throw new Error(`${path}: ${JSON.stringify(json)}`)
  return json
}

/** A registered user, logged in. */
async function newUser(base: string, username: string) {
  await call(base, 'users.register', {
    username,
    email: `${username}@example.com`,
    pass: PASSWORD,
    name: username,
  })
  const { data } = await call(base, 'login', { user: username, password: PASSWORD })
  return {
    id: data.userId as string,
    username,
    headers: { 'x-user-id': data.userId as string, 'x-auth-token': data.authToken as string },
  }
}

/** The ids and event names of what the page shows, in order. */
async function shown(page: Page) {
  return page
    .locator('#events li')
    .evaluateAll((items) =>
      items.map((item) => ({ id: item.getAttribute('data-id'), text: item.textContent ?? '' })),
    )
}

t.test('the page’s own EventSource resumes across a server restart', async (t) => {
  const port = await freePort()
  const env = { ...(await storage(t)), PORT: String(port), ALLOW_REGISTRATION: 'true' }
  const log: string[] = []
  let server: ServerProcess = await startServer(env, log)
  t.teardown(() => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL')
  })
  const base = server.url
  const owner = await newUser(base, 'owner')
  const user = await newUser(base, 'watcher')

  const page = await browserPage(t)
  // The page from the service's own origin, as a person would serve it next to the API.
  await page.route(`${base}/live-events.html`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: PAGE }),
  )
  await page.goto(`${base}/live-events.html`)
  await page.fill('#server', base)
  await page.fill('#username', user.username)
  await page.fill('#password', PASSWORD)
  await page.click('button[type=submit]')
  await page.locator('#status[data-state="open"]').waitFor()

  const { group } = await call(
    base,
    'groups.create',
    { name: 'watched', members: ['watcher'] },
    owner.headers,
  )
  const roomId = group._id as string
  await page.locator('#events li', { hasText: roomId }).first().waitFor()
  const before = await shown(page)
  t.ok(before.length > 0, 'events before the restart')

  // Restart: the process dies (as in a crash or a kill -9), its stream with it; the next one
  // serves the same port and data. Not SIGTERM: while a process shuts down it answers requests on
  // sockets still open with 503, and a 503 ends an EventSource for good (see the README).
  server.child.kill('SIGKILL')
  await within('the server stops', server.exited, 15_000)
  await until(
    'the page to see the drop',
    async () => (await page.locator('#status').getAttribute('data-state')) !== 'open',
  )
  t.equal(await page.locator('#status').getAttribute('data-state'), 'connecting', 'reconnecting')
  server = await startServer(env, log)
  t.equal(server.url, base, 'the same address')

  // Changed after the restart, most likely before the browser is back: it must still come.
  await call(base, 'groups.setTopic', { roomId, topic: 'after the restart' }, owner.headers)
  const afterRestart = page.locator('#events li', { hasText: 'after the restart' })
  await afterRestart.first().waitFor({ timeout: RECONNECT_MS })
  await page.locator('#status[data-state="open"]').waitFor()
  t.equal(
    await page.evaluate(
      () => (window as unknown as { eventSource: EventSource }).eventSource.readyState,
    ),
    1,
    'open',
  )

  // A last change: once the page shows it, anything repeated would have come before it.
  await call(base, 'groups.setTopic', { roomId, topic: 'the last change' }, owner.headers)
  await page.locator('#events li', { hasText: 'the last change' }).first().waitFor()

  // What the page should show: everything the log holds for the user after its first event,
  // replayed from the log by a stream of its own.
  const events = await shown(page)
  const first = events[0]?.id
  if (!first) throw new Error('no first id')
  const witness = await EventStreamClient.open(t, base, { user, lastEventId: first })
  await until('the witness to catch up', () =>
    witness.events().some((block) => block.data?.includes('the last change')),
  )
  const expected = [first, ...witness.events().map((block) => block.id)]
  const ids = events.map((event) => event.id)
  t.same(ids, expected, 'every event the log holds for the user, in order, none lost')
  t.equal(new Set(ids).size, ids.length, 'none repeated')
  t.ok(
    ids.slice(0, before.length).every((id, index) => id === before[index]?.id),
    'what came before the restart is untouched',
  )
  const topicEvents = events.filter(
    (event) => event.text.includes('rooms-changed') && event.text.includes('after the restart'),
  )
  t.equal(topicEvents.length, 1, 'the change after the restart, shown exactly once')
  t.notOk(log.join('\n').includes(user.headers['x-auth-token'] ?? '-'), 'no token in the log')
  mkdirSync(projectFile('test', 'artifacts'), { recursive: true })
  await page.screenshot({ path: projectFile('test', 'artifacts', 'live-events.png') })
})
