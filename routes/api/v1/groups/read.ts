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
import { refusals, withExamples } from '../../../../schemas/common.js'
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
import { describeRoute, withExample } from '../../../describe.js'
import { authenticated } from '../security.js'
import { sendGroup } from './group-reply.js'
import { changeableGroup, groupLookup } from './lookup.js'

const badQuery = [
  errors.invalidQuery,
  'a `query` that cannot be used, including a regular expression PostgreSQL refuses',
] as const

const info = describeRoute('groups.info', groupLookup)

const list = describeRoute('groups.list', [errors.invalidSort])

const listAll = describeRoute('groups.listAll', [
  [errors.forbidden, 'no `view-room-administration`'],
  errors.invalidSort,
  badQuery,
])

const members = describeRoute('groups.members', [...changeableGroup, errors.invalidSort])

const history = describeRoute('groups.history', [
  [
    withExample(errors.invalidParams, 'latest must match format "date-time"'),
    '`latest` or `oldest` that is not an ISO-8601 date-time',
  ],
  ...groupLookup,
])

const messages = describeRoute('groups.messages', [
  ...changeableGroup,
  errors.invalidSort,
  badQuery,
])

const counters = describeRoute('groups.counters', [
  ...changeableGroup,
  [errors.forbidden, '`userId` without `view-room-administration`'],
])

const read: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/groups.info',
    {
      config: info.config,
      schema: {
        ...info.schema,
        ...authenticated,
        querystring: RoomRefQuerySchema,
        response: { 200: GroupResponseSchema, ...info.refusals, ...refusals(401) },
      },
    },
    async (request, reply) =>
      sendGroup(reply, await groupInfo(app.db, request.actor, request.query)),
  )

  app.get(
    '/groups.list',
    {
      config: list.config,
      schema: {
        ...list.schema,
        ...authenticated,
        querystring: ListGroupsQuerySchema,
        response: { 200: ListGroupsResponseSchema, ...list.refusals, ...refusals(401) },
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
      config: listAll.config,
      schema: {
        ...listAll.schema,
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
          ...listAll.refusals,
          ...refusals(401),
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
      config: members.config,
      schema: {
        ...members.schema,
        ...authenticated,
        querystring: MembersQuerySchema,
        response: { 200: MembersResponseSchema, ...members.refusals, ...refusals(401) },
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
      config: history.config,
      schema: {
        ...history.schema,
        ...authenticated,
        querystring: HistoryQuerySchema,
        response: { 200: HistoryResponseSchema, ...history.refusals, ...refusals(401) },
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
      config: messages.config,
      schema: {
        ...messages.schema,
        ...authenticated,
        querystring: MessagesQuerySchema,
        response: { 200: MessagesResponseSchema, ...messages.refusals, ...refusals(401) },
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
      config: counters.config,
      schema: {
        ...counters.schema,
        ...authenticated,
        querystring: CountersQuerySchema,
        response: { 200: CountersResponseSchema, ...counters.refusals, ...refusals(401) },
      },
    },
    async (request) => ({
      ...(await groupCounters(app.db, request.actor, request.query)),
      success: true as const,
    }),
  )
}

export default read
