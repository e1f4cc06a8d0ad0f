import type { Db } from '../../db/database.js'
import { countUsers, listUsers, type UserListField } from '../../db/queries/user-list.js'
import type { User } from '../../db/types.js'
import type { UserInfoView } from '../../schemas/users.js'
import type { Actor } from '../actor.js'
import { errors } from '../errors.js'
import type { UserLookup } from '../groups/lookup.js'
import {
  type ListParams,
  type ListShape,
  parseListParams,
  withQueryChecked,
} from '../list-params.js'
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
  const user = await findAnyUserByRef(db, ref, errors.userNotFound)
  const full = user.id === actor.id || (await hasPermission(db, actor, 'view-full-other-user-info'))
  return full ? toUserView(user) : toPublicUserView(user)
}

const userList: ListShape<UserListField, UserListField> = {
  sort: { username: 'username', name: 'name', createdAt: 'createdAt' },
  defaultSort: [{ field: 'username', direction: 'asc' }],
  query: {
    username: { field: 'username', type: 'string' },
    name: { field: 'name', type: 'string' },
    active: { field: 'active', type: 'boolean' },
  },
  combinable: true,
}

/** Every user, a page at a time; the full records only to `view-full-other-user-info`. */
export async function listAllUsers(db: Db, actor: Actor, params: ListParams) {
  const { page, sort, filter } = parseListParams(params, userList)
  const full = await hasPermission(db, actor, 'view-full-other-user-info')
  const [users, total] = await withQueryChecked(params.query, () =>
    Promise.all([listUsers(db, { filter, sort, page }), countUsers(db, filter)]),
  )
  return {
    users: users.map(full ? toUserView : toPublicUserView),
    count: users.length,
    offset: page.offset,
    total,
  }
}
