import type { Db } from '../../db/database.js'
import { findUserById, insertUser } from '../../db/queries/users.js'
import type { RegisterBody, UserView } from '../../schemas/users.js'
import { recordAudit } from '../audit.js'
import { hashPassword } from '../auth/passwords.js'
import { errors } from '../errors.js'
import { randomId } from '../ids.js'
import { assertFieldsAvailable, checkUsername, takenFieldRefusal } from './fields.js'
import { toUserView } from './view.js'

/** Sign-up words a taken username as Rocket.Chat's registration does. */

/** Self sign-up, when the service allows it: a new active user with the `user` role. */
export async function registerUser(
  db: Db,
  input: RegisterBody,
  options: { allowed: boolean },
): Promise<UserView> {
  if (!options.allowed) {
    throw errors.registrationDisabled()
  }
  const username = checkUsername(input.username)
  const unique = { username, email: input.email }
  await assertFieldsAvailable(db, unique, { usernameTaken: errors.usernameInUse })

  const id = randomId()
  const name = input.name.trim() || username
  const passwordHash = await hashPassword(input.pass)
  try {
    await db.transaction().execute(async (trx) => {
      await insertUser(
        trx,
        { id, username, name, email: input.email, password_hash: passwordHash },
        ['user'],
      )
      await recordAudit(
        trx,
        { id, username, name, roles: ['user'] },
        { action: 'users.register', after: { userId: id, username, roles: ['user'] } },
      )
    })
  } catch (error) {
    throw takenFieldRefusal(error, unique, { usernameTaken: errors.usernameInUse }) ?? error
  }
  const user = await findUserById(db, id)
  if (!user) throw new Error(`user ${id} vanished after insert`)
  return toUserView(user)
}
