import type { Executor } from '../executor.js'
import { userRoles } from './users.js'

export async function insertLoginToken(db: Executor, userId: string, hashedToken: string) {
  await db
    .insertInto('login_tokens')
    .values({ user_id: userId, hashed_token: hashedToken })
    .execute()
}

export async function deleteLoginToken(db: Executor, userId: string, hashedToken: string) {
  await db
    .deleteFrom('login_tokens')
    .where('hashed_token', '=', hashedToken)
    .where('user_id', '=', userId)
    .execute()
}

/** The active user a token alone belongs to, with their roles and when the token was made. */
export async function findLoginByToken(db: Executor, hashedToken: string) {
  return db
    .selectFrom('login_tokens')
    .innerJoin('users', 'users.id', 'login_tokens.user_id')
    .select(['users.id', 'users.username', 'users.name', 'login_tokens.created_at'])
    .select(userRoles.as('roles'))
    .where('login_tokens.hashed_token', '=', hashedToken)
    .where('users.active', '=', true)
    .executeTakeFirst()
}
