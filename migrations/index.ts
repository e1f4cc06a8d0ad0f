import type { Migration } from 'kysely'
import * as initial from './2026112401_initial.js'
import * as lifecycleAndAudit from './2026112402_lifecycle_and_audit.js'
import * as rateLimits from './2026112403_rate_limits.js'
import * as authChangeNotifications from './2026112501_auth_change_notifications.js'
import * as memberUsernames from './2026112502_member_usernames.js'
import * as passwordlessUsers from './2026112601_passwordless_users.js'
import * as eventLog from './2026120201_event_log.js'
import * as presence from './2026120202_presence.js'
import * as eventsUserTime from './2026120203_events_user_time.js'
import * as eventRetention from './2026120204_event_retention.js'
import * as eventResume from './2026120205_event_resume.js'
import * as turns from './2026120301_turns.js'
import * as watchedMemberColumns from './2026120302_watched_member_columns.js'
import * as eventTicketResume from './2026120303_event_ticket_resume.js'
import * as webhooks from './2026120710_webhooks.js'
import * as roomEventPrevious from './2026120711_room_event_previous.js'
import * as eventRoomIndex from './2026120730_event_room_index.js'

/** Every migration, by its sortable name; listed here so the compiled service needs no file scan. */
export const migrations: Record<string, Migration> = {
  '2026112401_initial': initial,
  '2026112402_lifecycle_and_audit': lifecycleAndAudit,
  '2026112403_rate_limits': rateLimits,
  '2026112501_auth_change_notifications': authChangeNotifications,
  '2026112502_member_usernames': memberUsernames,
  '2026112601_passwordless_users': passwordlessUsers,
  '2026120201_event_log': eventLog,
  '2026120202_presence': presence,
  '2026120203_events_user_time': eventsUserTime,
  '2026120204_event_retention': eventRetention,
  '2026120205_event_resume': eventResume,
  '2026120301_turns': turns,
  '2026120302_watched_member_columns': watchedMemberColumns,
  '2026120303_event_ticket_resume': eventTicketResume,
  '2026120710_webhooks': webhooks,
  '2026120711_room_event_previous': roomEventPrevious,
  '2026120730_event_room_index': eventRoomIndex,
}
