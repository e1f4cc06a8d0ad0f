import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import { groupCounters } from '../../../../domain/groups/counters.js'
import {
  groupHistory,
  groupInfo,
  groupMessages,
  listEveryGroup,
  listGroupMembers,
  listOwnGroups,
} from '../../../../domain/groups/read.js'
import { badRequest, refusal, refusals, withExamples } from '../../../../schemas/common.js'
import { exampleGroup, groupSummary } from '../../../../schemas/examples.js'
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
  '`offset` defaults to 0, `count` to 50 (above 100 is cut to 100); `sort` is a JSON object of field to 1 or -1.'
const lookupRefusals =
  'no `roomId`/`roomName` (`error-room-param-not-provided`); a group that does not exist or that the caller is not in (`error-room-not-found`, also for admins)'
const membersOnly =
  'Members only: a group the caller is not in answers like one that does not exist, whatever their global roles.'

const badSort = refusal({
  errorType: 'error-invalid-sort',
  message: 'Invalid sort parameter provided: "{"nme":1}"',
})
const badQuery = refusal({
  errorType: 'error-invalid-query',
  message: 'Invalid query parameter provided: "{"topic":"testing"}"',
})

const read: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.info',
    {
      schema: {
        tags: ['Groups'],
        summary: 'A private group',
        description: `${membersOnly} Archived groups can be read.\n\nRefusals, in the order they are checked: ${lookupRefusals}.`,
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
        description: `Any logged-in user: the groups the caller is in and has open (see \`groups.open\` and \`groups.close\`), archived ones included, by name unless \`sort\` says otherwise. ${paging}\n\nRefusals: a \`sort\` that is not such an object or names another field (\`error-invalid-sort\`).`,
        ...authenticated,
        querystring: ListGroupsQuerySchema,
        response: { 200: ListGroupsResponseSchema, 400: badRequest(badSort), ...refusals(401) },
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
        description: `Permission required: the global \`view-room-administration\` (admins). Lists every private group, whether or not the caller is in it, by name unless \`sort\` says otherwise; \`query\` filters by \`name\` and \`fname\`. ${paging}\n\nRefusals, in the order they are checked: no \`view-room-administration\` (403 \`error-unauthorized\`); a bad \`sort\` (\`error-invalid-sort\`); a \`query\` that cannot be used, including a regular expression PostgreSQL refuses (\`error-invalid-query\`).`,
        ...authenticated,
        querystring: ListAllGroupsQuerySchema,
        response: {
          200: withExamples(ListGroupsResponseSchema, {
            groups: [
              groupSummary({
                ...exampleGroup,
                _id: 'hM4n5bEo2fXxtkWGb',
                name: 'old-projects',
                fname: 'old-projects',
                msgs: 12,
                usersCount: 4,
                archived: true,
              }),
              groupSummary(exampleGroup),
            ],
            count: 2,
            offset: 0,
            total: 2,
            success: true,
          }),
          400: badRequest(badQuery, badSort),
          ...refusals(401, 403),
        },
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
        description: `${membersOnly} Each member's \`_id\`, \`username\`, \`name\` and \`status\`, by username unless \`sort\` says otherwise; \`total\` is the group's \`usersCount\`. ${paging}\n\nRefusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); a bad \`sort\` (\`error-invalid-sort\`).`,
        ...authenticated,
        querystring: MembersQuerySchema,
        response: {
          200: MembersResponseSchema,
          400: badRequest(
            refusal(errors.roomNotFound()),
            refusal(errors.roomArchived('team-testing')),
          ),
          ...refusals(401),
        },
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
        description: `${membersOnly} Archived groups can be read. The messages, system messages included, newest first, between \`oldest\` and \`latest\` (bounds included when \`inclusive\`); \`count\` defaults to 20 (above 100 is cut to 100), \`offset\` to 0.\n\nRefusals, in the order they are checked: \`latest\` or \`oldest\` that is not an ISO-8601 date-time (\`invalid-params\`); ${lookupRefusals}.`,
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
        description: `${membersOnly} The messages, system messages included, newest first unless \`sort\` says otherwise; \`query\` filters by \`msg\`, \`t\`, \`u._id\` and \`u.username\`. ${paging}\n\nRefusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); a bad \`sort\` (\`error-invalid-sort\`); a \`query\` that cannot be used, including a regular expression PostgreSQL refuses (\`error-invalid-query\`).`,
        ...authenticated,
        querystring: MessagesQuerySchema,
        response: {
          200: MessagesResponseSchema,
          400: badRequest(refusal(errors.roomNotFound()), badQuery),
          ...refusals(401),
        },
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
        description: `${membersOnly} The caller's counters; another user's (\`userId\`) need the global \`view-room-administration\` (admins). \`unreads\` counts the messages since the user last read the group (\`unreadsFrom\`); \`latest\` is the newest message's time. For a user not in the group, or who closed it, \`joined\` is false and the unread counters are null; the group's counters are null too unless the caller holds \`view-room-administration\`.\n\nRefusals, in the order they are checked: ${lookupRefusals}; an archived group (\`error-room-archived\`); \`userId\` without \`view-room-administration\` (403 \`error-unauthorized\`).`,
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
