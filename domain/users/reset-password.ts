import type { Db } from '../../db/database.js'
import {
  deleteLoginTokensOfUser,
  findAnyUser,
  lockUser,
  updateUserColumns,
} from '../../db/queries/users.js'
import type { Actor } from '../actor.js'
import { recordAudit } from '../audit.js'
import { hashPassword } from '../auth/passwords.js'
import { errors } from '../errors.js'

const noSuchUser = (username: string) => errors.noUserNamed(username)

/**
 * Sets a user's password and logs them out everywhere, since whoever knew the old password may
 * hold a token. `actor` null means the service itself (the command-line tool).
 */
export async function resetPassword(
  db: Db,
  actor: Actor | null,
  input: { username: string; password: string },
) {
  const user = await findAnyUser(db, { username: input.username })
  if (!user) throw noSuchUser(input.username)
  const passwordHash = await hashPassword(input.password)
  await db.transaction().execute(async (trx) => {
    if (!(await lockUser(trx, user.id))) throw noSuchUser(input.username)
    await updateUserColumns(trx, user.id, { password_hash: passwordHash })
    await deleteLoginTokensOfUser(trx, user.id)
    await recordAudit(trx, actor, {
      action: 'users.resetPassword',
      after: { userId: user.id, username: user.username, loggedOut: true },
    })
  })
  await db.logins.settled()
  return { id: user.id, username: user.username }
}
