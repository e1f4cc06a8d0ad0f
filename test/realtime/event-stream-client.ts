// A Server-Sent Events reader for tests, over Node's fetch, reading the stream the way a
// browser's EventSource does.
import type { Test } from 'tap'
import type { TestUser } from '../helper.js'

/** How long a test waits for a block that should come. */
export const WAIT_MS = 5000

/** A new event-stream ticket for `user`, from the service at `base`. */
export async function ticketFor(base: string, user: TestUser): Promise<string> {
  const response = await fetch(`${base}/api/v1/events.ticket`, {
    method: 'POST',
    headers: user.headers,
  })
  if (response.status !== 200) throw new Error(`no ticket: ${await response.text()}`)
  return ((await response.json()) as { ticket: string }).ticket
}

/** One block of the stream, its fields as sent; a comment line is kept as `comment`. */
export type Block = Partial<Record<'id' | 'event' | 'data' | 'retry' | 'comment', string>>

/**
 * A Server-Sent Events reader over fetch: keeps every block received, in order, and the text as
 * it came; `next` takes the first block not yet taken that matches.
 */
export class EventStreamClient {
  readonly blocks: Block[] = []
  /** Called with each block as it completes. */
  onBlock: (block: Block) => void = () => {}
  text = ''
  readonly ended: Promise<void>
  #pending = ''
  #block: Block = {}
  #done = false
  #waiters: Array<() => void> = []

  private constructor(
    readonly response: Response,
    readonly controller: AbortController,
  ) {
    this.ended = this.#read()
  }

  /** Opens a stream; throws unless it is answered 200. */
  static async open(t: Test, base: string, init: StreamRequest): Promise<EventStreamClient> {
    const controller = new AbortController()
    const response = await fetchEvents(base, { ...init, signal: controller.signal })
    if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`)
    const client = new EventStreamClient(response, controller)
    t.teardown(() => client.close())
    return client
  }

  get done(): boolean {
    return this.#done
  }

  /** The event blocks received and not taken, without `retry:` and comments. */
  events(): Block[] {
    return this.blocks.filter((block) => block.event !== undefined)
  }

  async next(match: (block: Block) => boolean = () => true, waitMs = WAIT_MS): Promise<Block> {
    const deadline = Date.now() + waitMs
    for (;;) {
      const index = this.blocks.findIndex(match)
      if (index >= 0) return this.blocks.splice(index, 1)[0] as Block
      const left = deadline - Date.now()
      if (left <= 0 || this.#done) {
        const heard = this.blocks.map((block) => JSON.stringify(block).slice(0, 200))
        throw new Error(`no matching block; received ${heard.join(', ')}`)
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  close() {
    this.controller.abort()
  }

  async #read() {
    const reader = (this.response.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    try {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        this.#take(decoder.decode(value, { stream: true }))
      }
    } catch {
      // Aborted by close(): the stream ends here either way.
    } finally {
      this.#done = true
      this.#wake()
    }
  }

  #take(text: string) {
    this.text += text
    this.#pending += text
    for (let end = this.#pending.indexOf('\n'); end >= 0; end = this.#pending.indexOf('\n')) {
      this.#line(this.#pending.slice(0, end))
      this.#pending = this.#pending.slice(end + 1)
    }
  }

  #line(line: string) {
    if (line === '') {
      if (Object.keys(this.#block).length > 0) {
        this.blocks.push(this.#block)
        this.onBlock(this.#block)
      }
      this.#block = {}
      this.#wake()
      return
    }
    const colon = line.indexOf(':')
    const field = colon < 0 ? line : line.slice(0, colon)
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
    const key = (field === '' ? 'comment' : field) as keyof Block
    const before = this.#block[key]
    this.#block[key] = key === 'data' && before !== undefined ? `${before}\n${value}` : value
  }

  #wake() {
    for (const wake of this.#waiters.splice(0)) wake()
  }
}

export interface StreamRequest {
  user?: TestUser
  ticket?: string
  lastEventId?: string
  query?: Record<string, string>
  headers?: Record<string, string>
  signal?: AbortSignal
}

export function fetchEvents(base: string, request: StreamRequest): Promise<Response> {
  const query = new URLSearchParams(request.query)
  if (request.ticket !== undefined) query.set('ticket', request.ticket)
  const search = query.size > 0 ? `?${query}` : ''
  return fetch(`${base}/api/v1/events${search}`, {
    headers: {
      ...request.user?.headers,
      ...(request.lastEventId ? { 'last-event-id': request.lastEventId } : {}),
      ...request.headers,
    },
    ...(request.signal ? { signal: request.signal } : {}),
  })
}
