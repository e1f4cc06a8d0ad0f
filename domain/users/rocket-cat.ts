import type { Db } from '../../db/database.js'
import { findAnyUser, insertUserIfAbsent } from '../../db/queries/users.js'
import { recordAudit } from '../audit.js'

/** Rocket.Chat's bot, as Rocket.Chat creates it on start: no password, no email. */
const ROCKET_CAT = { id: 'rocket.cat', username: 'rocket.cat', name: 'Rocket.Cat' } as const
const ROCKET_CAT_ROLES = ['bot']

export type RocketCatOutcome =
  | { outcome: 'present' }
  | { outcome: 'created' }
  /** Another user holds the username `rocket.cat`; the bot is left out. */
  | { outcome: 'username-taken'; holderId: string }

/**
 * On every start: creates `rocket.cat` when no user has its id, as Rocket.Chat recreates the
 * bot when it is missing. Safe to run from several processes at once: one of them inserts it.
 */
export async function ensureRocketCat(db: Db): Promise<RocketCatOutcome> {
  if (await findAnyUser(db, { id: ROCKET_CAT.id })) return { outcome: 'present' }
  const created = await db.transaction().execute(async (trx) => {
    const inserted = await insertUserIfAbsent(
      trx,
      { ...ROCKET_CAT, email: null, password_hash: null, active: true },
      ROCKET_CAT_ROLES,
    )
    if (inserted) {
      await recordAudit(trx, null, {
        action: 'users.create',
        after: {
          userId: ROCKET_CAT.id,
          username: ROCKET_CAT.username,
          roles: ROCKET_CAT_ROLES,
          active: true,
        },
      })
    }
    return inserted
  })
  if (created) return { outcome: 'created' }
  if (await findAnyUser(db, { id: ROCKET_CAT.id })) return { outcome: 'present' }
  const holder = await findAnyUser(db, { username: ROCKET_CAT.username })
  // Neither the id nor the username is taken any more: the holder was deleted meanwhile.
  if (!holder) return ensureRocketCat(db)
  return { outcome: 'username-taken', holderId: holder.id }
}
