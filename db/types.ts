import type { Generated, Insertable, Selectable } from 'kysely'

export interface RolesTable {
  id: string
  scope: string
  description: Generated<string>
  protected: Generated<boolean>
}

export interface PermissionsTable {
  id: string
  updated_at: Generated<Date>
}

export interface PermissionRolesTable {
  permission_id: string
  role_id: string
}

export interface UsersTable {
  id: string
  username: string
  name: string
  email: string | null
  /** Null for a user who cannot log in with a password (the bot `rocket.cat`). */
  password_hash: string | null
  active: Generated<boolean>
  status: Generated<string>
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface UserRolesTable {
  user_id: string
  role_id: string
}

export interface LoginTokensTable {
  hashed_token: string
  user_id: string
  created_at: Generated<Date>
}

export interface EventTicketsTable {
  hashed_ticket: string
  hashed_token: string
  expires_at: Date
  /** When the ticket first opened its stream; null while unused. */
  used_at: Date | null
}

export interface RoomsTable {
  id: string
  name: string
  fname: string
  type: Generated<string>
  creator_id: string
  creator_username: string
  msgs: Generated<number>
  users_count: Generated<number>
  read_only: Generated<boolean>
  sys_mes: Generated<boolean>
  created_at: Generated<Date>
  updated_at: Generated<Date>
  topic: string | null
  description: string | null
  purpose: string | null
  announcement: string | null
  custom_fields: Generated<Record<string, unknown>>
  archived: Generated<boolean>
}

export interface RoomMembersTable {
  room_id: string
  user_id: string
  roles: Generated<string[]>
  open: Generated<boolean>
  created_at: Generated<Date>
  last_seen_at: Generated<Date>
  /** The member's username, kept equal to `users.username` by the database. */
  username: Generated<string>
  /** The subscription's id, as realtime clients and `subscriptions.*` know it. */
  id: Generated<string>
  /** Set by the database when a field the subscription shows (roles, open, seen, name) changes. */
  updated_at: Generated<Date>
}

/** One row of the event log (migrations/2026120201_event_log.ts says what each kind holds). */
export interface EventsTable {
  id: Generated<number>
  /** The writing transaction's id (`xid8`, as text). */
  xid: Generated<string>
  created_at: Generated<Date>
  kind: string
  room_id: string | null
  user_id: string | null
  data: unknown
}

/** The event log's one row of bookkeeping (migrations/2026120204_event_retention.ts). */
export interface EventLogStateTable {
  /** Always true: the key that keeps the table at one row. */
  id: Generated<boolean>
  /** Events logged before this moment may have been pruned; null until the first prune. */
  pruned_before: Date | null
}

export interface MessagesTable {
  id: string
  room_id: string
  type: string | null
  msg: string
  role: string | null
  user_id: string
  username: string
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface AuditLogTable {
  id: Generated<number>
  created_at: Generated<Date>
  actor_id: string | null
  actor_username: string | null
  room_id: string | null
  action: string
  before: unknown
  after: unknown
}

/** A fixed-window counter: `count` hits since the window opened, reset once `reset_at` passes. */
export interface WindowCounterTable {
  key: string
  count: number
  reset_at: Date
}

/** One authenticated realtime connection, kept fresh by its process (domain/realtime/presence.ts). */
export interface PresenceConnectionsTable {
  connection_id: string
  user_id: string
  process_id: string
  seen_at: Generated<Date>
}

/** An outgoing webhook's endpoint (migrations/2026120710_webhooks.ts). */
export interface WebhooksTable {
  id: string
  url: string
  events: string[]
  room_ids: string[]
  description: string
  enabled: Generated<boolean>
  disabled_reason: string | null
  /** The signing secret, encrypted (domain/webhooks/secrets.ts). */
  secret: string
  /** The secret before the last rotation, encrypted, signing beside the new one until `previous_secret_until`. */
  previous_secret: string | null
  previous_secret_until: Date | null
  /** The last log position this endpoint has been given (`xid8`, as text). */
  cursor_xid: string
  cursor_id: number | string
  /** The process delivering to the endpoint, until `lease_until`. */
  lease_owner: string | null
  lease_until: Date | null
  created_by: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export interface WebhookDeliveriesTable {
  id: Generated<number | string>
  webhook_id: string
  /** The `webhook-id` header: the same on every attempt. */
  message_id: string
  type: string
  payload: unknown
  status: Generated<'pending' | 'succeeded' | 'failed'>
  attempts: Generated<number>
  next_attempt_at: Generated<Date>
  created_at: Generated<Date>
}

export interface WebhookAttemptsTable {
  id: Generated<number | string>
  delivery_id: number | string
  attempted_at: Generated<Date>
  status_code: number | null
  error: string | null
  response_body: string | null
  duration_ms: number
}

export interface Database {
  roles: RolesTable
  permissions: PermissionsTable
  permission_roles: PermissionRolesTable
  users: UsersTable
  user_roles: UserRolesTable
  login_tokens: LoginTokensTable
  rooms: RoomsTable
  room_members: RoomMembersTable
  messages: MessagesTable
  audit_log: AuditLogTable
  rate_limits: WindowCounterTable
  login_failures: WindowCounterTable
  events: EventsTable
  event_log_state: EventLogStateTable
  event_tickets: EventTicketsTable
  presence_connections: PresenceConnectionsTable
  webhooks: WebhooksTable
  webhook_deliveries: WebhookDeliveriesTable
  webhook_attempts: WebhookAttemptsTable
}

export type User = Selectable<UsersTable>
export type NewUser = Insertable<UsersTable>
export type Room = Selectable<RoomsTable>
export type NewRoom = Insertable<RoomsTable>
export type RoomMember = Selectable<RoomMembersTable>
export type Message = Selectable<MessagesTable>
export type NewMessage = Insertable<MessagesTable>
export type AuditEntry = Selectable<AuditLogTable>
