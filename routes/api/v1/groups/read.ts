import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { groupCounters } from '../../../../domain/groups/counters.js'
import {
  groupHistory,
  groupInfo,
  groupMessages,
  listEveryGroup,
  listGroupMembers,
  listOwnGroups,
} from '../../../../domain/groups/read.js'
import { refusals } from '../../../../schemas/common.js'
import {
  CountersQuerySchema,
  CountersResponseSchema,
  GroupResponseSchema,
  HistoryQuerySchema,
  HistoryResponseSchema,
  ListAllGroupsQuerySchema,
  ListGroupsQuerySchema,
  ListGroupsResponseSchema,
  MembersQuerySchema,
  MembersResponseSchema,
  MessagesQuerySchema,
  MessagesResponseSchema,
  RoomRefQuerySchema,
} from '../../../../schemas/groups.js'
import { authenticated } from '../security.js'

const paging =
  '`offset` defaults to 0, `count` to 50 (above 100 is cut to 100); a bad `sort` is `error-invalid-sort`.'
const membersOnly =
  'Members only: a group that does not exist or that the caller is not in is `error-room-not-found` (also for admins); no `roomId`/`roomName` is `error-room-param-not-provided`.'

const read: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.info',
    {
      schema: {
        tags: ['Groups'],
        summary: 'A private group',
        description: membersOnly,
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
        description: `The groups the caller is in and has open, by name unless \`sort\` says otherwise. ${paging}`,
        ...authenticated,
        querystring: ListGroupsQuerySchema,
        response: { 200: ListGroupsResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await listOwnGroups(app.db, request.actor, request.query)),
      success: true as const,
    }),
  )

  app.get(
    '/groups.listAll',
    {
      schema: {
        tags: ['Groups'],
        summary: 'Every private group',
        description: `Needs the global \`view-room-administration\` (admins), else 403 \`error-unauthorized\`; lists every private group, whether or not the caller is in it, by name unless \`sort\` says otherwise. \`query\` filters by name (\`error-invalid-query\` when it cannot be used). ${paging}`,
        ...authenticated,
        querystring: ListAllGroupsQuerySchema,
        response: { 200: ListGroupsResponseSchema, ...refusals(400, 401, 403) },
      },
    },
    async (request) => ({
      ...(await listEveryGroup(app.db, request.actor, request.query)),
      success: true as const,
    }),
  )

  app.get(
    '/groups.members',
    {
      schema: {
        tags: ['Members and roles'],
        summary: "A private group's members",
        description: `${membersOnly} An archived group is \`error-room-archived\`. By username unless \`sort\` says otherwise. ${paging}`,
        ...authenticated,
        querystring: MembersQuerySchema,
        response: { 200: MembersResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await listGroupMembers(app.db, request.actor, request.query, request.query)),
      success: true as const,
    }),
  )

  app.get(
    '/groups.history',
    {
      schema: {
        tags: ['Groups'],
        summary: "A private group's messages in a time window",
        description: `${membersOnly} Newest first, between \`oldest\` and \`latest\` (bounds included when \`inclusive\`); \`count\` defaults to 20 (above 100 is cut to 100), \`offset\` to 0. Archived groups can be read.`,
        ...authenticated,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      messages: await groupHistory(app.db, request.actor, request.query, request.query),
      success: true as const,
    }),
  )

  app.get(
    '/groups.messages',
    {
      schema: {
        tags: ['Groups'],
        summary: "A private group's messages, paged",
        description: `${membersOnly} An archived group is \`error-room-archived\`. Newest first unless \`sort\` says otherwise; \`query\` filters (\`error-invalid-query\` when it cannot be used). ${paging}`,
        ...authenticated,
        querystring: MessagesQuerySchema,
        response: { 200: MessagesResponseSchema, ...refusals(400, 401) },
      },
    },
    async (request) => ({
      ...(await groupMessages(app.db, request.actor, request.query, request.query)),
      success: true as const,
    }),
  )

  app.get(
    '/groups.counters',
    {
      schema: {
        tags: ['Groups'],
        summary: "A member's counters in a private group",
        description: `${membersOnly} An archived group is \`error-room-archived\`. Another user's counters (\`userId\`) need the global \`view-room-administration\`, else 403 \`error-unauthorized\`. \`unreads\` counts the messages since the user last read the group (\`unreadsFrom\`); \`latest\` is the newest message's time. For a user not in the group, or who closed it, \`joined\` is false and the unread counters are null; the group's counters are null too unless the caller holds \`view-room-administration\`.`,
        ...authenticated,
        querystring: CountersQuerySchema,
        response: { 200: CountersResponseSchema, ...refusals(400, 401, 403) },
      },
    },
    async (request) => ({
      ...(await groupCounters(app.db, request.actor, request.query)),
      success: true as const,
    }),
  )
}

export default read
