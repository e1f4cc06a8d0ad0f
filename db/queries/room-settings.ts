import type { Updateable } from 'kysely'
import type { RoomsTable } from '../types.js'

export type RoomSettings = Pick<
  Updateable<RoomsTable>,
  'topic' | 'description' | 'purpose' | 'announcement' | 'read_only' | 'archived'
>
