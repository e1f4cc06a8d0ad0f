import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { loginLimits } from '../../../domain/auth/brute-force.js'
import { login, logout, me } from '../../../domain/auth/login.js'
import {
  LoginBodySchema,
  LoginFailureSchema,
  LoginSuccessSchema,
  LogoutSuccessSchema,
  MeResponseSchema,
} from '../../../schemas/auth.js'
import { badRequest, refusal, refusals } from '../../../schemas/common.js'
import { authenticated } from './security.js'

const auth: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['Authentication'],
        summary: 'Log in',
        description: [
          "No login needed. Send `user` (a username, or an email when it contains @), `username` or `email` with `password`; or `resume` with a token still valid. Usernames and emails are compared without case. Use the answer's `userId` and `authToken` as the `X-User-Id` and `X-Auth-Token` headers.",
          '',
          'Refusals, in the order they are checked: keys the body does not define (400 `invalid-params`); a `resume` token that is not valid (401 `Unauthorized`); no login name or no `password` (401 `Unauthorized`); too many failed logins from the address or for the name within the block window (401 `error-login-blocked-for-ip`, then `error-login-blocked-for-user`); an unknown user or a wrong password, which look alike (401 `Unauthorized`); a deactivated user (401 `error-user-is-not-activated`). A 401 names the refusal in `error` and explains it in `message`.',
          '',
          'Every password attempt counts as a failure until it succeeds; a successful login clears the failures counted for its name.',
        ].join('\n'),
        body: LoginBodySchema,
        response: {
          200: LoginSuccessSchema,
          400: badRequest(
            refusal({
              errorType: 'invalid-params',
              message: 'must NOT have additional properties',
            }),
          ),
          401: LoginFailureSchema,
        },
      },
    },
    async (request) => ({
      status: 'success' as const,
      data: await login(app.db, request.body, {
        ip: request.ip,
        limits: loginLimits(app.config),
      }),
      success: true as const,
    }),
  )

  app.post(
    '/logout',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Log out',
        description:
          "Any logged-in user. Invalidates the token the request was sent with; the user's other tokens stay valid. Refused only when not logged in (401) or when a body is sent that is not JSON (400 `invalid-params`).",
        ...authenticated,
        response: {
          200: LogoutSuccessSchema,
          400: badRequest(
            refusal({ errorType: 'invalid-params', message: 'Body is not valid JSON' }),
          ),
          ...refusals(401),
        },
      },
    },
    async (request) => {
      await logout(app.db, request.actor, String(request.headers['x-auth-token']))
      return {
        status: 'success' as const,
        data: { message: "You've been logged out!" },
        success: true as const,
      }
    },
  )

  app.get(
    '/me',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'The logged-in user',
        description:
          'Any logged-in user: their own profile, with emails, global roles and dates. Refused only when not logged in (401).',
        ...authenticated,
        response: { 200: MeResponseSchema, ...refusals(401) },
      },
    },
    async (request) => ({ ...(await me(app.db, request.actor)), success: true as const }),
  )
}

export default auth
