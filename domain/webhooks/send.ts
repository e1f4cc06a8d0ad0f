import { lookup } from 'node:dns/promises'
import http from 'node:http'
import https from 'node:https'
import { BlockList, isIP, type LookupFunction } from 'node:net'
import { signatureHeader } from './secrets.js'

/** How long a receiver has to answer, headers and body. */
export const SEND_TIMEOUT_MS = 15_000
/** How much of a response is kept, in characters. */
export const RESPONSE_KEPT = 1024
const RESPONSE_READ_BYTES = 4 * RESPONSE_KEPT

/** Addresses no webhook is sent to unless private networks are allowed. */
const nonPublic = new BlockList()
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv4')
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  nonPublic.addSubnet(network, prefix, 'ipv6')
}

/** Whether an address is private, loopback, link-local or otherwise not on the public internet. */
export function isNonPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped?.[1]) return nonPublic.check(mapped[1], 'ipv4')
  const family = isIP(address)
  if (family === 0) return true
  return nonPublic.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

export class RefusedDestination extends Error {
  override name = 'RefusedDestination'
}

/**
 * Resolves the host once and hands the connection that address, refusing a non-public one:
 * the address checked is the address connected to, so a name that resolves differently the
 * second time (DNS rebinding) cannot slip past.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { family: options.family ?? 0, all: false, verbatim: true }).then(
      ({ address, family }) => {
        if (!allowPrivate && isNonPublicAddress(address)) {
          callback(
            new RefusedDestination(`${hostname} resolves to ${address}, a non-public address`),
            '',
            0,
          )
        } else if (options.all) {
          callback(null, [{ address, family }] as never, family)
        } else {
          callback(null, address, family)
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}

export interface Message {
  url: string
  /** The `webhook-id`. */
  id: string
  body: string
  /** Every secret that signs it (two while a rotation overlaps). */
  secrets: readonly string[]
  allowPrivate: boolean
}

/** What came back: a status and the start of the body, or why nothing did. */
export type Outcome =
  | { status: number; retryAfter: string | undefined; body: string; durationMs: number }
  | { status: null; error: string; durationMs: number }

/** POSTs one signed message; never follows a redirect; gives up after SEND_TIMEOUT_MS. */
export function send(message: Message): Promise<Outcome> {
  const started = performance.now()
  const elapsed = () => Math.round(performance.now() - started)
  const url = new URL(message.url)
  const failed = (error: string): Outcome => ({ status: null, error, durationMs: elapsed() })
  const host = url.hostname.replace(/^\[|\]$/g, '')
  // A literal address is never looked up, so it is checked here.
  if (isIP(host) && !message.allowPrivate && isNonPublicAddress(host)) {
    return Promise.resolve(failed(`${host} is a non-public address`))
  }
  const timestamp = Math.floor(Date.now() / 1000)
  const transport = url.protocol === 'https:' ? https : http
  return new Promise((resolve) => {
    const request = transport.request(url, {
      method: 'POST',
      lookup: guardedLookup(message.allowPrivate),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'private-groups-webhooks',
        'webhook-id': message.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signatureHeader(message.secrets, message.id, timestamp, message.body),
      },
    })
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer within ${SEND_TIMEOUT_MS / 1000} s`))
    }, SEND_TIMEOUT_MS)
    const finish = (outcome: Outcome) => {
      clearTimeout(timer)
      resolve(outcome)
    }
    request.on('error', (error) => finish(failed(error.message)))
    request.on('response', (response) => {
      const chunks: Buffer[] = []
      let read = 0
      const done = () => {
        const header = response.headers['retry-after']
        finish({
          status: response.statusCode ?? 0,
          retryAfter: Array.isArray(header) ? header[0] : header,
          body: Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_KEPT),
          durationMs: elapsed(),
        })
      }
      response.on('data', (chunk: Buffer) => {
        if (read < RESPONSE_READ_BYTES) chunks.push(chunk.subarray(0, RESPONSE_READ_BYTES - read))
        read += chunk.length
        // The rest of a long answer is not worth waiting for.
        if (read >= RESPONSE_READ_BYTES) {
          response.destroy()
          done()
        }
      })
      response.on('end', done)
      response.on('error', done)
    })
    request.end(message.body)
  })
}
