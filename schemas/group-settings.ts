import { type TString, Type } from '@sinclair/typebox'
import { RoomRefProperties, Success } from './common.js'

/** A body naming the group and one free-text setting, e.g. `{roomId, topic}`. */
function textSettingBody<K extends string>(key: K, description: string, example: string) {
  const setting = { [key]: Type.String({ maxLength: 5000, description }) } as Record<K, TString>
  return Type.Object(
    { ...RoomRefProperties, ...setting },
    { additionalProperties: false, examples: [{ roomId: 'ByehQjC44FwMeiLbX', [key]: example }] },
  )
}

/** The setting as it now is, e.g. `{topic, success:true}`. */
function textSettingResponse<K extends string>(key: K, example: string) {
  const setting = { [key]: Type.String() } as Record<K, TString>
  return Success(setting, { examples: [{ [key]: example, success: true }] })
}

export const TopicBodySchema = textSettingBody(
  'topic',
  'The new topic; empty clears it',
  'Discuss all of the testing',
)
export const TopicResponseSchema = textSettingResponse('topic', 'Discuss all of the testing')

export const DescriptionBodySchema = textSettingBody(
  'description',
  'The new description; empty clears it',
  'Testing out everything.',
)
export const DescriptionResponseSchema = textSettingResponse(
  'description',
  'Testing out everything.',
)

export const PurposeBodySchema = textSettingBody(
  'purpose',
  'The new purpose; empty clears it',
  'Testing out everything.',
)
export const PurposeResponseSchema = textSettingResponse('purpose', 'Testing out everything.')

export const AnnouncementBodySchema = textSettingBody(
  'announcement',
  'The new announcement; empty clears it',
  'Test out everything.',
)
export const AnnouncementResponseSchema = textSettingResponse(
  'announcement',
  'Test out everything.',
)

export const ReadOnlyBodySchema = Type.Object(
  {
    ...RoomRefProperties,
    readOnly: Type.Boolean({ description: 'Whether only privileged members may post' }),
  },
  { additionalProperties: false, examples: [{ roomId: 'ByehQjC44FwMeiLbX', readOnly: true }] },
)

export const CustomFieldsBodySchema = Type.Object(
  {
    ...RoomRefProperties,
    customFields: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Replaces all the custom fields of the group',
    }),
  },
  {
    additionalProperties: false,
    examples: [{ roomId: 'ByehQjC44FwMeiLbX', customFields: { team: 'testing' } }],
  },
)

export const GroupTypeBodySchema = Type.Object(
  {
    ...RoomRefProperties,
    type: Type.Unsafe<'c' | 'p'>(
      Type.String({
        enum: ['c', 'p'],
        description: '`p` (private group) or `c` (public channel, which this service refuses)',
      }),
    ),
  },
  { additionalProperties: false, examples: [{ roomId: 'ByehQjC44FwMeiLbX', type: 'p' }] },
)
