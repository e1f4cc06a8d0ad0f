import { type RawBuilder, sql } from 'kysely'
import type { Executor } from '../executor.js'
import { filterCondition, type ListFilter, type ListSort, type Page } from './listing.js'
import { userColumns, userRoles } from './users.js'

export type UserListField = 'username' | 'name' | 'active' | 'createdAt'

const listColumns: Record<UserListField, RawBuilder<unknown>> = {
  username: sql`users.username`,
  name: sql`users.name`,
  active: sql`users.active`,
  createdAt: sql`users.created_at`,
}

// Names sort as people read them, without case; the id keeps equal names in a stable order.
const sortColumns: Record<UserListField, RawBuilder<unknown>> = {
  ...listColumns,
  username: sql`lower(users.username)`,
  name: sql`lower(users.name)`,
}

export async function listUsers(
  db: Executor,
  options: {
    filter: ListFilter<UserListField> | undefined
    sort: ListSort<UserListField>
    page: Page
  },
) {
  let query = db.selectFrom('users').select(userColumns).select(userRoles.as('roles'))
  if (options.filter) query = query.where(filterCondition(options.filter, listColumns))
  for (const { field, direction } of options.sort) {
    query = query.orderBy(sortColumns[field], direction)
  }
  return query.orderBy('users.id').offset(options.page.offset).limit(options.page.count).execute()
}

export async function countUsers(db: Executor, filter: ListFilter<UserListField> | undefined) {
  let query = db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('count'))
  if (filter) query = query.where(filterCondition(filter, listColumns))
  const row = await query.executeTakeFirstOrThrow()
  return Number(row.count)
}
