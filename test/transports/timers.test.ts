// database-free
// The shared timers behind every connection's deadlines: one Node timer however many wait.
import t from 'tap'
import { SharedTimers } from '../../transports/timers.js'

// The shared timers do not hold the process open (their Node timer is unref'd): this does, while
// the tests wait for them.
const keepAlive = setInterval(() => {}, 60_000)
t.teardown(() => clearInterval(keepAlive))

/** Runs `work` counting the Node timers it keeps set at once, at most. */
async function mostNodeTimers(work: () => Promise<void>): Promise<number> {
  const { setTimeout: set, clearTimeout: clear } = globalThis
  const live = new Set<unknown>()
  let most = 0
  globalThis.setTimeout = ((run: () => void, ms?: number) => {
    const timer = set(() => {
      live.delete(timer)
      run()
    }, ms)
    live.add(timer)
    most = Math.max(most, live.size)
    return timer
  }) as typeof setTimeout
  globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
    live.delete(timer)
    clear(timer)
  }) as typeof clearTimeout
  try {
    await work()
  } finally {
    globalThis.setTimeout = set
    globalThis.clearTimeout = clear
  }
  return most
}

t.test('deadlines run in the order of their moments, on one Node timer', async (t) => {
  // The clock stands still while they are set, so each one's moment is its delay.
  let frozen: number | undefined = performance.now()
  const timers = new SharedTimers(undefined, () => frozen ?? performance.now())
  const ran: number[] = []
  const delays = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 40)
  const most = await mostNodeTimers(async () => {
    const all = delays.map(
      (delay, i) =>
        new Promise<void>((resolve) =>
          timers.after(delay, () => {
            ran.push(i)
            resolve()
          }),
        ),
    )
    frozen = undefined
    await Promise.all(all)
  })
  t.equal(most, 1, 'a thousand deadlines, one Node timer at a time')
  const moments = ran.map((i) => delays[i] as number)
  t.same(
    moments,
    [...moments].sort((a, b) => a - b),
    'earlier moments first',
  )
  t.equal(ran.length, 1000)
  t.equal(timers.size, 0, 'nothing left waiting')
})

t.test('a cancelled deadline never runs, and many cancelled ones are dropped', async (t) => {
  const timers = new SharedTimers()
  let cancelledRan = 0
  const cancels = Array.from({ length: 3000 }, () => timers.after(60_000, () => cancelledRan++))
  const early = timers.after(1, () => cancelledRan++)
  early()
  for (const cancel of cancels) cancel()
  t.ok(timers.size < 1024, `the heap was compacted (${timers.size} left)`)
  await timers.sleep(5)
  t.equal(cancelledRan, 0)
  t.equal(timers.size, 0)
})

t.test('a deadline that throws does not stop the others', async (t) => {
  const errors: unknown[] = []
  const timers = new SharedTimers((error) => errors.push(error))
  timers.after(1, () => {
    throw new Error('boom')
  })
  let ran = false
  timers.after(1, () => {
    ran = true
  })
  await timers.sleep(2)
  t.ok(ran, 'the next one ran')
  t.match(errors, [{ message: 'boom' }], 'the error was reported')
})
