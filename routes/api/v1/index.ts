import type { FastifyPluginAsync } from 'fastify'
import auth from '../../../plugins/app/auth.js'
import authRoutes from './auth.js'
import createGroup from './groups/create.js'
import membership from './groups/membership.js'
import owners from './groups/owners.js'
import read from './groups/read.js'
import rename from './groups/rename.js'
import users from './users.js'

/** Rocket.Chat's REST API, version 1: every route needs a login unless marked public. */
const v1: FastifyPluginAsync = async (app) => {
  await app.register(auth)
  await app.register(authRoutes)
  await app.register(users)
  await app.register(createGroup)
  await app.register(read)
  await app.register(membership)
  await app.register(owners)
  await app.register(rename)
}

export default v1
