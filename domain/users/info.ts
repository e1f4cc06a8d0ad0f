import type { Db } from '../../db/database.js'
import { isInvalidRegularExpression } from '../../db/queries/list-filter.js'
import { countUsers, listUsers } from '../../db/queries/user-list.js'
import type { User } from '../../db/types.js'
import type { UserInfoView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { ApiError } from '../errors.js'
import type { UserLookup } from '../groups/lookup.js'
import { invalidQuery, pageOf, parseQuery, parseSort } from '../list-params.js'
import { hasPermission } from '../permissions.js'
import { findAnyUserByRef } from './lookup.js'
import { toUserView } from './view.js'

type StoredUser = Omit<User, 'password_hash'> & { roles: string[] }

/** What anyone logged in may see of another user. */
function toPublicUserView(user: StoredUser): UserInfoView {
  return {
    _id: user.id,
    username: user.username,
    name: user.name,
    status: user.status,
    active: user.active,
    type: 'user',
  }
}

/** One user; their emails, roles and dates only to themselves and to `view-full-other-user-info`. */
export async function userInfo(db: Db, actor: Actor, ref: UserLookup): Promise<UserInfoView> {
  const user = await findAnyUserByRef(db, ref, () => new ApiError(undefined, 'User not found.'))
  const full = user.id === actor.id || (await hasPermission(db, actor, 'view-full-other-user-info'))
  return full ? toUserView(user) : toPublicUserView(user)
}

export interface UserListQuery {
  offset?: number | undefined
  count?: number | undefined
  sort?: string | undefined
  query?: string | undefined
}

/** Every user, a page at a time; the full records only to `view-full-other-user-info`. */
export async function listAllUsers(db: Db, actor: Actor, params: UserListQuery) {
  const page = pageOf(params)
  const sort = parseSort(
    params.sort,
    ['username', 'name', 'createdAt'],
    [{ field: 'username', direction: 'asc' }],
  )
  const filter = parseQuery(params.query, { username: 'string', name: 'string', active: 'boolean' })
  const full = await hasPermission(db, actor, 'view-full-other-user-info')
  try {
    const [users, total] = await Promise.all([
      listUsers(db, { filter, sort, page }),
      countUsers(db, filter),
    ])
    return {
      users: users.map(full ? toUserView : toPublicUserView),
      count: users.length,
      offset: page.offset,
      total,
    }
  } catch (error) {
    // A pattern JavaScript accepts can still be one PostgreSQL's regular expressions refuse.
    if (isInvalidRegularExpression(error)) throw invalidQuery(params.query ?? '')
    throw error
  }
}
