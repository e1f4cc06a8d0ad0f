import { type Kysely, sql } from 'kysely'

const ROLES: Array<[string, string, string]> = [
  ['admin', 'Users', 'Administrator'],
  ['user', 'Users', 'Normal user'],
  ['bot', 'Users', 'Bot'],
  ['app', 'Users', 'App'],
  ['guest', 'Users', 'Guest'],
  ['anonymous', 'Users', 'Anonymous'],
  ['owner', 'Subscriptions', 'Room owner'],
  ['moderator', 'Subscriptions', 'Room moderator'],
  ['leader', 'Subscriptions', 'Room leader'],
]

const PERMISSIONS: Record<string, string[]> = {
  'create-p': ['admin', 'user', 'bot', 'app'],
  'leave-p': ['admin', 'user', 'bot', 'anonymous', 'app'],
  'edit-room': ['admin', 'owner', 'moderator'],
  'add-user-to-joined-room': ['admin', 'owner', 'moderator'],
  'add-user-to-any-p-room': [],
  'kick-user-from-any-p-room': [],
  'remove-user': ['admin', 'owner', 'moderator'],
  'set-owner': ['admin', 'owner'],
  'set-moderator': ['admin', 'owner'],
  'set-leader': ['admin', 'owner'],
  'delete-p': ['admin', 'owner'],
  'archive-room': ['admin', 'owner'],
  'unarchive-room': ['admin'],
  'view-room-administration': ['admin'],
  'create-user': ['admin'],
  'delete-user': ['admin'],
  'edit-other-user-info': ['admin'],
  'view-full-other-user-info': ['admin'],
  'access-permissions': ['admin'],
  'assign-roles': ['admin'],
  'api-bypass-rate-limit': ['admin', 'bot', 'app'],
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('roles')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('scope', 'text', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
    .addColumn('protected', 'boolean', (col) => col.notNull().defaultTo(true))
    .execute()

  await db.schema
    .createTable('permissions')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()

  await db.schema
    .createTable('permission_roles')
    .addColumn('permission_id', 'text', (col) =>
      col.notNull().references('permissions.id').onDelete('cascade'),
    )
    .addColumn('role_id', 'text', (col) => col.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('permission_roles_pkey', ['permission_id', 'role_id'])
    .execute()

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('username', 'text', (col) => col.notNull())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('email', 'text')
    .addColumn('password_hash', 'text', (col) => col.notNull())
    .addColumn('active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('status', 'text', (col) => col.notNull().defaultTo('offline'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await sql`create unique index users_username_lower_key on users (lower(username))`.execute(db)
  await sql`create unique index users_email_lower_key on users (lower(email))`.execute(db)

  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role_id', 'text', (col) => col.notNull().references('roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('user_roles_pkey', ['user_id', 'role_id'])
    .execute()
  await db.schema.createIndex('user_roles_role_id_idx').on('user_roles').column('role_id').execute()

  await db.schema
    .createTable('login_tokens')
    .addColumn('hashed_token', 'text', (col) => col.primaryKey())
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('login_tokens_user_id_idx')
    .on('login_tokens')
    .column('user_id')
    .execute()

  await db.schema
    .createTable('rooms')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('name', 'text', (col) => col.notNull())
    .addColumn('fname', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull().defaultTo('p'))
    .addColumn('creator_id', 'text', (col) => col.notNull())
    .addColumn('creator_username', 'text', (col) => col.notNull())
    .addColumn('msgs', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('users_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('read_only', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('sys_mes', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('rooms_name_key', ['name'])
    .execute()

  await db.schema
    .createTable('room_members')
    .addColumn('room_id', 'text', (col) => col.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (col) => col.notNull().references('users.id').onDelete('cascade'))
    .addColumn('roles', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('open', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('room_members_pkey', ['room_id', 'user_id'])
    .execute()
  await db.schema
    .createIndex('room_members_user_id_idx')
    .on('room_members')
    .columns(['user_id', 'room_id'])
    .execute()

  await db.schema
    .createTable('messages')
    .addColumn('id', 'text', (col) => col.primaryKey())
    .addColumn('room_id', 'text', (col) => col.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('type', 'text')
    .addColumn('msg', 'text', (col) => col.notNull())
    .addColumn('role', 'text')
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('username', 'text', (col) => col.notNull())
    // clock_timestamp(): messages written in one transaction still get distinct, ordered times.
    .addColumn('created_at', 'timestamptz', (col) =>
      col.notNull().defaultTo(sql`clock_timestamp()`),
    )
    .addColumn('updated_at', 'timestamptz', (col) =>
      col.notNull().defaultTo(sql`clock_timestamp()`),
    )
    .execute()
  await db.schema
    .createIndex('messages_room_id_created_at_idx')
    .on('messages')
    .columns(['room_id', 'created_at', 'id'])
    .execute()

  await db
    .insertInto('roles')
    .values(ROLES.map(([id, scope, description]) => ({ id, scope, description })))
    .execute()
  await db
    .insertInto('permissions')
    .values(Object.keys(PERMISSIONS).map((id) => ({ id })))
    .execute()
  await db
    .insertInto('permission_roles')
    .values(
      Object.entries(PERMISSIONS).flatMap(([permissionId, roles]) =>
        roles.map((roleId) => ({ permission_id: permissionId, role_id: roleId })),
      ),
    )
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'messages',
    'room_members',
    'rooms',
    'login_tokens',
    'user_roles',
    'users',
    'permission_roles',
    'permissions',
    'roles',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
