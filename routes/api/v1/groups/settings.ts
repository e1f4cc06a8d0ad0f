import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { errors } from '../../../../domain/errors.js'
import {
  setCustomFields,
  setGroupType,
  setReadOnly,
  setTextSetting,
} from '../../../../domain/groups/settings.js'
import { badRequest, refusal, refusals, withExamples } from '../../../../schemas/common.js'
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
import { authenticated } from '../security.js'

const bodyParamRequired = (param: string) => `The bodyParam "${param}" is required`
const objectParamRequired = (param: string) =>
  `The bodyParam "${param}" is required with a type like object.`

/**
 * A setter's description: who may call it, its refusals in the order they are checked (the
 * setter's own `checks` come between the room lookup and `edit-room`), and what it changes.
 */
function describeSetter(missing: string, effect: string, checks = '', after = '') {
  return [
    'Permission required: `edit-room` in the group (its owners and moderators, and admins who are members).',
    '',
    `Refusals, in the order they are checked: ${missing}; no \`roomId\`/\`roomName\` (\`error-room-param-not-provided\`); a group that does not exist or that the caller is not in (\`error-room-not-found\`); an archived group (\`error-room-archived\`); ${checks}no \`edit-room\` (\`error-action-not-allowed\`)${after}.`,
    '',
    effect,
  ].join('\n')
}

const missing = (param: string) => `no \`${param}\` (\`${bodyParamRequired(param)}\`)`

/** A setter's 400s: its parameter missing, and the caller without `edit-room`. */
const setterRefusals = (missingMessage: string) =>
  badRequest(
    refusal({ message: missingMessage }),
    refusal(errors.actionNotAllowed('Editing room is not allowed')),
  )

const settings: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/groups.setTopic',
    {
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Set a private group's topic",
        description: describeSetter(
          missing('topic'),
          'A change writes a `room_changed_topic` system message; the current topic again changes nothing.',
        ),
        ...authenticated,
        body: TopicBodySchema,
        response: {
          200: TopicResponseSchema,
          400: setterRefusals(bodyParamRequired('topic')),
          ...refusals(401),
        },
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
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Set a private group's description",
        description: describeSetter(
          missing('description'),
          'A change writes a `room_changed_description` system message; the current description again changes nothing.',
        ),
        ...authenticated,
        body: DescriptionBodySchema,
        response: {
          200: DescriptionResponseSchema,
          400: setterRefusals(bodyParamRequired('description')),
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
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Set a private group's purpose",
        description: describeSetter(
          missing('purpose'),
          'The purpose is kept apart from the description; a change writes no system message.',
        ),
        ...authenticated,
        body: PurposeBodySchema,
        response: {
          200: PurposeResponseSchema,
          400: setterRefusals(bodyParamRequired('purpose')),
          ...refusals(401),
        },
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
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Set a private group's announcement",
        description: describeSetter(
          missing('announcement'),
          'A change writes a `room_changed_announcement` system message; the current announcement again changes nothing.',
        ),
        ...authenticated,
        body: AnnouncementBodySchema,
        response: {
          200: AnnouncementResponseSchema,
          400: setterRefusals(bodyParamRequired('announcement')),
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
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: 'Make a private group read-only, or writable again',
        description: describeSetter(
          missing('readOnly'),
          'Writes a `room-set-read-only` or `room-removed-read-only` system message.',
          'the setting the group already has (`The private group read only setting is the same as what it would be changed to.`, no errorType); ',
        ),
        ...authenticated,
        body: ReadOnlyBodySchema,
        response: {
          200: withExamples(GroupResponseSchema, {
            group: { ...exampleGroup, ro: true, msgs: 3, _updatedAt: '2016-12-09T15:35:51.560Z' },
            success: true,
          }),
          400: badRequest(
            refusal({
              message:
                'The private group read only setting is the same as what it would be changed to.',
            }),
            refusal(errors.actionNotAllowed('Editing room is not allowed')),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => {
      const { readOnly, ...ref } = request.body
      return {
        group: await setReadOnly(app.db, request.actor, ref, readOnly),
        success: true as const,
      }
    },
  )

  app.post(
    '/groups.setCustomFields',
    {
      config: { missingParamMessage: objectParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Replace a private group's custom fields",
        description: describeSetter(
          `no \`customFields\` (\`${objectParamRequired('customFields')}\`), or not an object (\`invalid-params\`)`,
          "The fields replace the group's as a whole; the same fields again change nothing. No system message.",
        ),
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
          400: setterRefusals(objectParamRequired('customFields')),
          ...refusals(401),
        },
      },
    },
    async (request) => {
      const { customFields, ...ref } = request.body
      return {
        group: await setCustomFields(app.db, request.actor, ref, customFields),
        success: true as const,
      }
    },
  )

  app.post(
    '/groups.setType',
    {
      config: { missingParamMessage: bodyParamRequired },
      schema: {
        tags: ['Groups'],
        summary: "Change a private group's type (always refused here)",
        description: describeSetter(
          `no \`type\` (\`${bodyParamRequired('type')}\`), or neither \`p\` nor \`c\` (\`invalid-params\`)`,
          "Every group here is private and public channels are not supported, so every call is refused; the 200 body is Rocket.Chat's, for clients written against it.",
          '`p`, the type every group has (`The private group type is the same as what it would be changed to.`, no errorType); ',
          '; `c`, since public channels are not supported by this service (`error-action-not-allowed`)',
        ),
        ...authenticated,
        body: GroupTypeBodySchema,
        response: {
          200: GroupResponseSchema,
          400: badRequest(
            refusal({
              message: 'The private group type is the same as what it would be changed to.',
            }),
            refusal(
              errors.actionNotAllowed(
                'Public channels are not supported by this service; a private group cannot become one',
              ),
            ),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => {
      const { type, ...ref } = request.body
      return setGroupType(app.db, request.actor, ref, type)
    },
  )
}

export default settings
