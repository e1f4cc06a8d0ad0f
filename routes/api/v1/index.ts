import type { FastifyPluginAsync } from 'fastify'
import permissions from './admin/permissions.js'
import roles from './admin/roles.js'
import webhooks from './admin/webhooks.js'
import authRoutes from './auth.js'
import events from './events.js'
import auditLog from './groups/audit-log.js'
import createGroup from './groups/create.js'
import lifecycle from './groups/lifecycle.js'
import membership from './groups/membership.js'
import online from './groups/online.js'
import read from './groups/read.js'
import rename from './groups/rename.js'
import roomRoles from './groups/room-roles.js'
import settings from './groups/settings.js'
import rooms from './rooms.js'
import subscriptions from './subscriptions.js'
import users from './users.js'

/** Rocket.Chat's REST API, version 1: every route needs a login (plugins/app/auth.ts) unless marked public. */
const v1: FastifyPluginAsync = async (app) => {
  await app.register(authRoutes)
  await app.register(users)
  await app.register(createGroup)
  await app.register(read)
  await app.register(membership)
  await app.register(roomRoles)
  await app.register(rename)
  await app.register(settings)
  await app.register(lifecycle)
  await app.register(auditLog)
  await app.register(online)
  await app.register(permissions)
  await app.register(roles)
  await app.register(subscriptions)
  await app.register(rooms)
  await app.register(events)
  await app.register(webhooks)
}

export default v1
