/**
 * Every permission the service knows, as the migrations seed them; a check naming
 * another fails to compile. permissions.update refuses names outside the table at run time.
 */
export type Permission =
  | 'create-p'
  | 'leave-p'
  | 'edit-room'
  | 'add-user-to-joined-room'
  | 'add-user-to-any-p-room'
  | 'kick-user-from-any-p-room'
  | 'remove-user'
  | 'set-owner'
  | 'set-moderator'
  | 'set-leader'
  | 'delete-p'
  | 'archive-room'
  | 'unarchive-room'
  | 'view-room-administration'
  | 'create-user'
  | 'delete-user'
  | 'edit-other-user-info'
  | 'view-full-other-user-info'
  | 'access-permissions'
  | 'assign-roles'
  | 'api-bypass-rate-limit'
  | 'manage-outgoing-integrations'
