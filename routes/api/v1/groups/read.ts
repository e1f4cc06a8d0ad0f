import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  groupHistory,
  groupInfo,
  listGroupMembers,
  listOwnGroups,
} from '../../../../domain/groups/read.js'
import { refusals } from '../../../../schemas/common.js'
import {
  GroupResponseSchema,
  HistoryQuerySchema,
  HistoryResponseSchema,
  ListGroupsQuerySchema,
  ListGroupsResponseSchema,
  MembersQuerySchema,
  MembersResponseSchema,
  RoomRefQuerySchema,
} from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const read: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.info',
    {
      schema: {
        tags: ['Groups'],
        summary: 'A private group',
        description: 'Members only: anyone else gets `error-room-not-found`.',
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: GroupResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      group: await groupInfo(app.db, request.actor, request.query),
      success: true as const,
    }),
  )

  app.get(
    '/groups.list',
    {
      schema: {
        tags: ['Groups'],
        summary: "The caller's private groups",
        description: 'Sorted by name; `count` is at most 100.',
        ...authenticated,
        querystring: ListGroupsQuerySchema,
        response: { 200: ListGroupsResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await listOwnGroups(app.db, request.actor, {
        offset: request.query.offset ?? 0,
        count: request.query.count ?? 50,
      })),
      success: true as const,
    }),
  )

  app.get(
    '/groups.members',
    {
      schema: {
        tags: ['Groups'],
        summary: "A private group's members",
        description: 'Members only. Sorted by username; `count` is at most 100.',
        ...authenticated,
        querystring: MembersQuerySchema,
        response: { 200: MembersResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await listGroupMembers(app.db, request.actor, request.query, {
        offset: request.query.offset ?? 0,
        count: request.query.count ?? 50,
      })),
      success: true as const,
    }),
  )

  app.get(
    '/groups.history',
    {
      schema: {
        tags: ['Groups'],
        summary: "A private group's messages",
        description:
          'Members only. Newest first, between `oldest` and `latest` (bounds included when `inclusive`); `count` defaults to 20.',
        ...authenticated,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      messages: await groupHistory(app.db, request.actor, request.query, {
        latest: request.query.latest,
        oldest: request.query.oldest,
        inclusive: request.query.inclusive ?? false,
        offset: request.query.offset ?? 0,
        count: request.query.count ?? 20,
      }),
      success: true as const,
    }),
  )
}

export default read
