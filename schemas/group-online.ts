import { Type } from '@sinclair/typebox'
import { IdSchema, Success, withExamples } from './common.js'
import { exampleIds } from './examples.js'

export const OnlineQuerySchema = Type.Object({
  _id: Type.Optional(
    Type.String({ maxLength: 64, description: "The group's ID", examples: [exampleIds.group] }),
  ),
  query: Type.Optional(
    Type.String({
      maxLength: 1024,
      description: 'A JSON object naming the group by `_id`, when `_id` is not sent',
      examples: [`{"_id":"${exampleIds.group}"}`],
    }),
  ),
})

export const OnlineUserSchema = Type.Object({ _id: IdSchema, username: Type.String() })

export const OnlineResponseSchema = withExamples(
  Success({
    online: Type.Array(OnlineUserSchema, { description: 'Members online now, by username' }),
  }),
  {
    online: [
      { _id: exampleIds.member, username: 'rocket.cat' },
      { _id: exampleIds.owner, username: 'testing1' },
    ],
    success: true,
  },
)
