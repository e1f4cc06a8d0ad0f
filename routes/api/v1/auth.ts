import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { loginLimits } from '../../../domain/auth/brute-force.js'
import { login, logout, me } from '../../../domain/auth/login.js'
import {
  LoginBodySchema,
  LoginFailureSchema,
  LoginSuccessSchema,
  LogoutSuccessSchema,
} from '../../../schemas/auth.js'
import { refusals, Success } from '../../../schemas/common.js'
import { UserSchema } from '../../../schemas/users.js'
import { authenticated } from './security.js'

const auth: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['Authentication'],
        summary: 'Log in',
        description:
          'Send `user` (a username, or an email when it contains @), `username` or `email` with `password`; or `resume` with a token still valid. An unknown user and a wrong password get the same 401. Too many failed logins for one name, or from one address, block further logins for a while (401 `error-login-blocked-for-user` / `error-login-blocked-for-ip`).',
        body: LoginBodySchema,
        response: { 200: LoginSuccessSchema, 400: refusals(400)[400], 401: LoginFailureSchema },
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
        description: 'Invalidates the token the request was sent with.',
        ...authenticated,
        response: { 200: LogoutSuccessSchema, ...refusals(400, 401) },
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
        ...authenticated,
        response: { 200: Success(UserSchema.properties), ...refusals(401) },
      },
    },
    async (request) => ({ ...(await me(app.db, request.actor)), success: true as const }),
  )
}

export default auth
