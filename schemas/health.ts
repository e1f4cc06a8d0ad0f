import { Type } from '@sinclair/typebox'
import { Success } from './common.js'

export const LivenessSchema = Success(
  { status: Type.Literal('ok') },
  { 'x-response-description': 'The process runs', examples: [{ status: 'ok', success: true }] },
)

export const ReadinessSchema = Success(
  {
    status: Type.Literal('ready'),
    database: Type.Literal('up'),
    migrations: Type.Literal('current'),
  },
  {
    'x-response-description': 'Ready: the database answers and its schema is current',
    examples: [{ status: 'ready', database: 'up', migrations: 'current', success: true }],
  },
)

export const UnreadinessSchema = Type.Object(
  {
    success: Type.Literal(false),
    status: Type.Literal('unready'),
    database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    migrations: Type.Union([
      Type.Literal('current'),
      Type.Literal('pending'),
      Type.Literal('unknown'),
    ]),
    error: Type.String(),
    errorType: Type.Literal('error-not-ready'),
  },
  {
    description: 'Not ready: the database does not answer, or its schema is behind this version.',
    examples: [
      {
        success: false,
        status: 'unready',
        database: 'down',
        migrations: 'unknown',
        error: 'The database does not answer [error-not-ready]',
        errorType: 'error-not-ready',
      },
    ],
  },
)
