import type { User } from '../../db/types.js'
import type { UserView } from '../../schemas/users.js'

export function toUserView(user: Omit<User, 'password_hash'> & { roles: string[] }): UserView {
  return {
    _id: user.id,
    username: user.username,
    name: user.name,
    emails: user.email ? [{ address: user.email, verified: false }] : [],
    roles: user.roles,
    active: user.active,
    status: user.status,
    type: 'user',
    createdAt: user.created_at.toISOString(),
    _updatedAt: user.updated_at.toISOString(),
  }
}
