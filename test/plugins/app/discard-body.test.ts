// database-free
// A body over BODY_LIMIT gets a 413 the client can read, over a real socket, sent whole or in
// chunks; the server reads the rest without keeping it, so its memory stays where it was.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { refusal } from '../../helper.js'
import { startServer } from '../../support/server-process.js'

const MB = 1024 * 1024

/** Resident memory of a process, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1]
  return Number(kb) * 1024
}

/** A body of `size` bytes that arrives in 64 KB chunks, with no Content-Length. */
function streamed(size: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024).fill(0x78)
  let left = size
  return new ReadableStream({
    pull(controller) {
      if (left <= 0) {
        controller.close()
        return
      }
      controller.enqueue(chunk.subarray(0, Math.min(chunk.length, left)))
      left -= chunk.length
    },
  })
}

const server = await startServer({ DATA_DIR: 'memory://' })
t.teardown(() => {
  server.child.kill('SIGKILL')
})
const pid = server.child.pid ?? 0
const tooLarge = refusal('error-payload-too-large', 'Request body is too large')

// A server that kept the body would grow by all of it. One that throws each chunk away still
// grows by what its garbage collector has not yet returned, up to tens of MB on Node 24, so the
// bound is the body's own size (and never under 32 MB). The large body stays under the most a
// refusal drains (DISCARD_MAX_BYTES), past which the connection is closed instead.
for (const size of [5 * MB, 60 * MB]) {
  const bound = Math.max(32 * MB, size)
  const whole = Buffer.alloc(size, 0x78)
  for (const [kind, body] of [
    ['with Content-Length', () => whole],
    ['in chunks', () => streamed(size)],
  ] as const) {
    t.test(`a ${size / MB} MB body ${kind}: a readable 413, memory flat`, async (t) => {
      // Warm up so the first measurement is not of the server's first request.
      await fetch(`${server.url}/api/info`).then((response) => response.text())
      const before = await rss(pid)
      let peak = before
      const sampler = setInterval(() => {
        void rss(pid).then((value) => {
          peak = Math.max(peak, value)
        })
      }, 10)

      const response = await fetch(`${server.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body(),
        duplex: 'half',
      } as RequestInit)
      const answer = await response.json()
      clearInterval(sampler)

      t.equal(response.status, 413)
      t.equal(response.headers.get('content-type'), 'application/json')
      t.same(answer, tooLarge)
      const grown = peak - before
      t.comment(
        `server RSS ${Math.round(before / MB)} MB, grew ${(grown / MB).toFixed(1)} MB at most`,
      )
      t.ok(
        grown < bound,
        `server memory grows by less than ${bound / MB} MB, not by the body (${grown} bytes)`,
      )
    })
  }
}

t.test('the server still answers on a new connection afterwards', async (t) => {
  const response = await fetch(`${server.url}/api/info`)
  t.equal(response.status, 200)
})
