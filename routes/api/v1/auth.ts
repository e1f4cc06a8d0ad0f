import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { loginLimits } from '../../../domain/auth/brute-force.js'
import { login, logout, me } from '../../../domain/auth/login.js'
import { errors } from '../../../domain/errors.js'
import {
  LoginBodySchema,
  LoginSuccessSchema,
  LogoutSuccessSchema,
  MeResponseSchema,
} from '../../../schemas/auth.js'
import { describeRoute, notJsonBody, withExample } from '../../describe.js'
import { authenticated } from './security.js'

const loginRoute = describeRoute('login', [
  [withExample(errors.invalidParams, 'code is not allowed here'), 'keys the body does not define'],
  [
    errors.loginFailed,
    'a `resume` token that is not valid or, without one, no login name or no `password`',
  ],
  [errors.loginBlockedForIp, 'too many failed logins from the address within the block window'],
  [errors.loginBlockedForUser, 'too many for the name'],
  [errors.loginFailed, 'an unknown user or a wrong password, which look alike'],
  errors.userNotActivated,
])

const logoutRoute = describeRoute('logout', [errors.notLoggedIn, notJsonBody])

const meRoute = describeRoute('me', [errors.notLoggedIn])

const auth: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/login',
    {
      config: { ...loginRoute.config, public: true },
      schema: {
        ...loginRoute.schema,
        body: LoginBodySchema,
        response: { 200: LoginSuccessSchema, ...loginRoute.refusals },
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
      config: logoutRoute.config,
      schema: {
        ...logoutRoute.schema,
        ...authenticated,
        response: { 200: LogoutSuccessSchema, ...logoutRoute.refusals },
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
      config: meRoute.config,
      schema: {
        ...meRoute.schema,
        ...authenticated,
        response: { 200: MeResponseSchema, ...meRoute.refusals },
      },
    },
    async (request) => ({ ...(await me(app.db, request.actor)), success: true as const }),
  )
}

export default auth
