import { randomUUID } from 'node:crypto'
import type { FastifyReply } from 'fastify'
import type { GroupAnswer } from '../../../../domain/groups/view.js'

// Stands in for the usernames while the rest of the body is serialized; no client can guess it.
const placeholder = `usernames-${randomUUID()}`
const placeholderJson = JSON.stringify([placeholder])

/**
 * Sends `{ group, success: true }`: the route's response schema serializes the group, and the
 * usernames the database wrote as JSON text take the place of a placeholder array, so a large
 * group's thousands of names are neither parsed nor serialized again.
 */
export function sendGroup(reply: FastifyReply, group: GroupAnswer): FastifyReply {
  const body = String(
    reply.serialize({ group: { ...group, usernames: [placeholder] }, success: true }),
  )
  const at = body.indexOf(placeholderJson)
  if (at < 0) throw new Error('the group body lost its usernames placeholder')
  const spliced = body.slice(0, at) + group.usernames.text + body.slice(at + placeholderJson.length)
  return reply.type('application/json').send(spliced)
}
