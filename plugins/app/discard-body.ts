import type { IncomingMessage } from 'node:http'

/**
 * How much of a refused body is still read (and thrown away) so the client, which is still
 * sending, reads the refusal instead of a reset connection. Past either bound the answer is sent
 * and the connection closed without reading further.
 */
export const DISCARD_MAX_BYTES = 64 * 1024 * 1024
export const DISCARD_MAX_MS = 10_000

/**
 * Reads the rest of a request's body without keeping any of it; resolves true once it has all
 * arrived, false when a bound was reached first or the client went away.
 */
export function discardBody(
  request: IncomingMessage,
  maxBytes = DISCARD_MAX_BYTES,
  maxMs = DISCARD_MAX_MS,
): Promise<boolean> {
  if (request.complete || request.readableEnded || request.destroyed) {
    return Promise.resolve(request.complete)
  }
  return new Promise((resolve) => {
    let received = 0
    const finish = (whole: boolean) => {
      clearTimeout(timer)
      request.off('data', onData)
      request.off('end', onEnd)
      request.off('error', onStop)
      request.off('close', onStop)
      if (!whole) request.pause()
      resolve(whole)
    }
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received > maxBytes) finish(false)
    }
    const onEnd = () => finish(true)
    const onStop = () => finish(request.complete)
    const timer = setTimeout(() => finish(false), maxMs)
    request.on('data', onData)
    request.on('end', onEnd)
    request.on('error', onStop)
    request.on('close', onStop)
    request.resume()
  })
}
