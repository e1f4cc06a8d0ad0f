import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Endpoint } from '../../../../docs/index.js'
import { errors } from '../../../../domain/errors.js'
import {
  setCustomFields,
  setGroupType,
  setReadOnly,
  setTextSetting,
} from '../../../../domain/groups/settings.js'
import { refusals, withExamples } from '../../../../schemas/common.js'
import { exampleGroup } from '../../../../schemas/examples.js'
import {
  AnnouncementBodySchema,
  AnnouncementResponseSchema,
  CustomFieldsBodySchema,
  DescriptionBodySchema,
  DescriptionResponseSchema,
  GroupTypeBodySchema,
  PurposeBodySchema,
  PurposeResponseSchema,
  ReadOnlyBodySchema,
  TopicBodySchema,
  TopicResponseSchema,
} from '../../../../schemas/group-settings.js'
import { GroupResponseSchema } from '../../../../schemas/groups.js'
import { describeRoute, withExample } from '../../../describe.js'
import { authenticated } from '../security.js'
import { sendGroup } from './group-reply.js'
import { changeableGroup } from './lookup.js'

/** The setter's parameter missing, answered as Rocket.Chat does (see `missingParam` below). */
const missing = (param: string) =>
  [withExample(errors.bodyParamRequired, param), `no \`${param}\``] as const

/** Topic, description, purpose and announcement: any text goes, so only these are refused. */
const textSetter = (endpoint: Endpoint, param: string) =>
  describeRoute(endpoint, [missing(param), ...changeableGroup, errors.editingRoomNotAllowed])

const topicSetter = textSetter('groups.setTopic', 'topic')
const descriptionSetter = textSetter('groups.setDescription', 'description')
const purposeSetter = textSetter('groups.setPurpose', 'purpose')
const announcementSetter = textSetter('groups.setAnnouncement', 'announcement')

const readOnlySetter = describeRoute('groups.setReadOnly', [
  missing('readOnly'),
  ...changeableGroup,
  [errors.readOnlyUnchanged, 'the setting the group already has'],
  errors.editingRoomNotAllowed,
])

const customFieldsSetter = describeRoute('groups.setCustomFields', [
  [withExample(errors.bodyParamRequiredAsObject, 'customFields'), 'no `customFields`'],
  [
    withExample(errors.invalidParams, 'customFields must be object'),
    'a `customFields` that is not an object',
  ],
  ...changeableGroup,
  errors.editingRoomNotAllowed,
])

const typeSetter = describeRoute('groups.setType', [
  missing('type'),
  [
    withExample(errors.invalidParams, 'type must be equal to one of the allowed values'),
    'a `type` that is neither `p` nor `c`',
  ],
  ...changeableGroup,
  [errors.typeUnchanged, '`p`, the type every group has'],
  errors.editingRoomNotAllowed,
  [
    errors.publicChannelsNotSupported,
    '`c`, since public channels are not supported by this service',
  ],
])

const settings: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.setTopic',
    {
      config: { ...topicSetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...topicSetter.schema,
        ...authenticated,
        body: TopicBodySchema,
        response: { 200: TopicResponseSchema, ...topicSetter.refusals, ...refusals(401) },
      },
    },
    async (request) => {
      const { topic, ...ref } = request.body
      await setTextSetting(app.db, request.actor, ref, 'topic', topic)
      return { topic, success: true as const }
    },
  )

  app.post(
    '/groups.setDescription',
    {
      config: { ...descriptionSetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...descriptionSetter.schema,
        ...authenticated,
        body: DescriptionBodySchema,
        response: {
          200: DescriptionResponseSchema,
          ...descriptionSetter.refusals,
          ...refusals(401),
        },
      },
    },
    async (request) => {
      const { description, ...ref } = request.body
      await setTextSetting(app.db, request.actor, ref, 'description', description)
      return { description, success: true as const }
    },
  )

  app.post(
    '/groups.setPurpose',
    {
      config: { ...purposeSetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...purposeSetter.schema,
        ...authenticated,
        body: PurposeBodySchema,
        response: { 200: PurposeResponseSchema, ...purposeSetter.refusals, ...refusals(401) },
      },
    },
    async (request) => {
      const { purpose, ...ref } = request.body
      await setTextSetting(app.db, request.actor, ref, 'purpose', purpose)
      return { purpose, success: true as const }
    },
  )

  app.post(
    '/groups.setAnnouncement',
    {
      config: { ...announcementSetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...announcementSetter.schema,
        ...authenticated,
        body: AnnouncementBodySchema,
        response: {
          200: AnnouncementResponseSchema,
          ...announcementSetter.refusals,
          ...refusals(401),
        },
      },
    },
    async (request) => {
      const { announcement, ...ref } = request.body
      await setTextSetting(app.db, request.actor, ref, 'announcement', announcement)
      return { announcement, success: true as const }
    },
  )

  app.post(
    '/groups.setReadOnly',
    {
      config: { ...readOnlySetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...readOnlySetter.schema,
        ...authenticated,
        body: ReadOnlyBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, {
            group: { ...exampleGroup, ro: true, msgs: 3, _updatedAt: '2016-12-09T15:35:51.560Z' },
            success: true,
          }),
          ...readOnlySetter.refusals,
          ...refusals(401),
        },
      },
    },
    async (request, reply) => {
      const { readOnly, ...ref } = request.body
      return sendGroup(reply, await setReadOnly(app.db, request.actor, ref, readOnly))
    },
  )

  app.post(
    '/groups.setCustomFields',
    {
      config: { ...customFieldsSetter.config, missingParam: errors.bodyParamRequiredAsObject },
      schema: {
        ...customFieldsSetter.schema,
        ...authenticated,
        body: CustomFieldsBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, {
            group: {
              ...exampleGroup,
              customFields: { team: 'testing' },
              _updatedAt: '2016-12-09T15:35:51.560Z',
            },
            success: true,
          }),
          ...customFieldsSetter.refusals,
          ...refusals(401),
        },
      },
    },
    async (request, reply) => {
      const { customFields, ...ref } = request.body
      return sendGroup(reply, await setCustomFields(app.db, request.actor, ref, customFields))
    },
  )

  app.post(
    '/groups.setType',
    {
      config: { ...typeSetter.config, missingParam: errors.bodyParamRequired },
      schema: {
        ...typeSetter.schema,
        ...authenticated,
        body: GroupTypeBodySchema,
        response: { 200: GroupResponseSchema, ...typeSetter.refusals, ...refusals(401) },
      },
    },
    async (request) => {
      const { type, ...ref } = request.body
      return setGroupType(app.db, request.actor, ref, type)
    },
  )
}

export default settings
