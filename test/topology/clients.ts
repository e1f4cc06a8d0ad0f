// Clients that reach the service only through the balancer: JSON calls from a chosen loopback
// source address, and SSE and DDP readers of one group's messages that reconnect and resume from
// their last event id, as Rocket.Chat's and browsers' clients do.
import { request } from 'node:http'
import WebSocket from 'ws'

export interface Answer {
  status: number
  body: Record<string, unknown>
}

export interface Login {
  userId: string
  authToken: string
}

export const authHeaders = (login: Login) => ({
  'x-user-id': login.userId,
  'x-auth-token': login.authToken,
})

/** One JSON call; a connection that fails is status 0. `from` is the source address. */
export function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; from?: string } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body)
  return new Promise((resolve) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        headers: {
          ...options.headers,
          ...(payload && { 'content-type': 'application/json' }),
        },
        ...(options.from && { localAddress: options.from }),
        timeout: 15_000,
      },
      (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk) => {
          text += chunk
        })
        response.on('end', () => {
          let body: Record<string, unknown> = {}
          try {
            body = JSON.parse(text)
          } catch {
            body = { text }
          }
          resolve({ status: response.statusCode ?? 0, body })
        })
        response.on('error', () => resolve({ status: 0, body: {} }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (error) => resolve({ status: 0, body: { error: String(error) } }))
    req.end(payload)
  })
}

/** A message event as a reader saw it. */
export interface Seen {
  eventId: string
  roomId: string
  messageId: string
  msg: string
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What both readers share: what they saw, their last id, reconnects, resets, 429s. */
abstract class Reader {
  readonly seen: Seen[] = []
  /** Events about a room the reader's user is not in, or on a stream that is not theirs. */
  readonly leaked: string[] = []
  readonly #ids = new Set<string>()
  lastEventId: string | undefined
  connections = 0
  resets = 0
  tooMany = 0
  stopped = false
  #backoffMs = 250

  constructor(
    readonly base: string,
    readonly login: Login,
    readonly roomId: string,
    readonly from: string,
  ) {}

  /** Keeps one connection open until stopped, reconnecting after each loss. */
  async run() {
    while (!this.stopped) {
      const opened = await this.connectOnce().catch(() => false)
      if (this.stopped) return
      await pause(opened ? 100 : this.#backoffMs)
      this.#backoffMs = opened ? 250 : Math.min(this.#backoffMs * 2, 2000)
    }
  }

  protected abstract connectOnce(): Promise<boolean>
  abstract stop(): void

  protected record(eventId: string | undefined, roomId: string, message: unknown) {
    if (eventId) this.lastEventId = eventId
    if (!eventId || this.#ids.has(eventId)) return
    this.#ids.add(eventId)
    if (roomId !== this.roomId) {
      this.leaked.push(`${eventId} ${roomId}`)
      return
    }
    const { _id, msg } = (message ?? {}) as { _id?: string; msg?: string }
    this.seen.push({ eventId, roomId, messageId: String(_id), msg: String(msg) })
  }

  /** Whether the reader has seen this message. */
  has(messageId: string) {
    return this.seen.some((seen) => seen.messageId === messageId)
  }
}

/** `GET /api/v1/events` with the login headers, resumed with `Last-Event-ID`. */
export class SseReader extends Reader {
  #current: ReturnType<typeof request> | undefined

  protected connectOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(`${this.base}/api/v1/events`, {
        headers: {
          ...authHeaders(this.login),
          ...(this.lastEventId && { 'last-event-id': this.lastEventId }),
        },
        localAddress: this.from,
      })
      this.#current = req
      req.on('error', () => resolve(false))
      req.on('response', (response) => {
        if (response.statusCode !== 200) {
          if (response.statusCode === 429) this.tooMany += 1
          response.resume()
          response.on('end', () => resolve(false))
          return
        }
        this.connections += 1
        let pending = ''
        let block: Record<string, string> = {}
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => {
          pending += chunk
          let end = pending.indexOf('\n')
          while (end >= 0) {
            const line = pending.slice(0, end)
            pending = pending.slice(end + 1)
            if (line === '') {
              this.#block(block)
              block = {}
            } else if (!line.startsWith(':')) {
              const colon = line.indexOf(':')
              block[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '')
            }
            end = pending.indexOf('\n')
          }
        })
        response.on('close', () => resolve(true))
        response.on('error', () => resolve(true))
      })
      req.end()
    })
  }

  #block(block: Record<string, string>) {
    if (block.event === 'reset') this.resets += 1
    const event = block.event ?? ''
    if (event.startsWith('stream-room-messages/')) {
      const roomId = event.slice('stream-room-messages/'.length)
      const [message] = JSON.parse(block.data ?? '[]') as unknown[]
      this.record(block.id, roomId, message)
    } else if (block.id) {
      if (event.startsWith('stream-notify-user/') && !event.includes(`/${this.login.userId}/`)) {
        this.leaked.push(`${block.id} ${event}`)
      }
      this.lastEventId = block.id
    }
  }

  stop() {
    this.stopped = true
    this.#current?.destroy()
  }
}

/** DDP over `/websocket`: resume login, then `stream-room-messages` of the room from an id. */
export class DdpReader extends Reader {
  #socket: WebSocket | undefined

  protected connectOnce(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = new WebSocket(`${this.base.replace(/^http/, 'ws')}/websocket`, {
        localAddress: this.from,
      })
      this.#socket = socket
      let opened = false
      const send = (frame: unknown) => socket.send(JSON.stringify(frame))
      const subscribe = () =>
        send({
          msg: 'sub',
          id: `s${this.connections}-${this.resets}`,
          name: 'stream-room-messages',
          params: [
            this.roomId,
            {
              useCollection: false,
              args: [],
              ...(this.lastEventId && { lastEventId: this.lastEventId }),
            },
          ],
        })
      socket.on('open', () => send({ msg: 'connect', version: '1', support: ['1'] }))
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>
        if (frame.msg === 'ping') send({ msg: 'pong' })
        else if (frame.msg === 'connected') {
          send({
            msg: 'method',
            id: 'login',
            method: 'login',
            params: [{ resume: this.login.authToken }],
          })
        } else if (frame.msg === 'result' && frame.id === 'login') {
          if (frame.error) return socket.close()
          opened = true
          this.connections += 1
          subscribe()
        } else if (frame.msg === 'nosub') {
          const error = (frame.error ?? {}) as { error?: string }
          if (error.error === 'error-events-reset') {
            this.resets += 1
            this.lastEventId = undefined
            subscribe()
          } else socket.close()
        } else if (frame.msg === 'changed' && frame.collection === 'stream-room-messages') {
          const fields = frame.fields as { eventName: string; args: unknown[]; eventId?: string }
          this.record(fields.eventId, fields.eventName, fields.args[0])
        }
      })
      socket.on('error', () => {})
      socket.on('close', () => resolve(opened))
    })
  }

  stop() {
    this.stopped = true
    this.#socket?.terminate()
  }
}
