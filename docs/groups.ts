import type { EndpointDoc } from './endpoint-doc.js'

/** Who holds a permission in a group by default. */
const ownersAndModerators = 'its owners and moderators, and admins who are members'
const owners = 'its owners, and admins who are members'

/** A permission held in the group, with who holds it by default. */
function inGroup(permission: string, holders: string) {
  return `\`${permission}\` in the group (${holders})`
}

/** Who may manage the members of a group, for invite (`inRoom`/`anyGroup`) and kick. */
function whoMayManage(inRoom: string, anyGroup: string) {
  return `Permission required: ${inGroup(inRoom, ownersAndModerators)}, or the global \`${anyGroup}\` (no role holds it by default). Only a holder of \`${anyGroup}\` may act on a group they are not in; to anyone else such a group answers \`error-room-not-found\`, like one that does not exist.`
}

const editRoom = `Permission required: ${inGroup('edit-room', ownersAndModerators)}.`

const membersOnly =
  'Members only: a group the caller is not in answers like one that does not exist, whatever their global roles.'
const membersOnlyArchivedToo = `${membersOnly} Archived groups can be read.`

const paging =
  '`offset` defaults to 0, `count` to 50 (above 100 is cut to 100); `sort` is a JSON object of field to 1 or -1.'

/** A setter: who may call it, its refusals, and what a change does. */
function setter(summary: string, effect: string): EndpointDoc {
  return { tag: 'Groups', summary, description: `${editRoom}\n\n{refusals}\n\n${effect}` }
}

type RoomRole = 'owner' | 'moderator' | 'leader'

/** The permission that changes each room role, and the role with its article. */
const roomRoles: Record<RoomRole, { permission: string; noun: string }> = {
  owner: { permission: 'set-owner', noun: 'an owner' },
  moderator: { permission: 'set-moderator', noun: 'a moderator' },
  leader: { permission: 'set-leader', noun: 'a leader' },
}

function roleChange(summary: string, permission: string, messageType: string): EndpointDoc {
  return {
    tag: 'Members and roles',
    summary,
    description: `Permission required: ${inGroup(permission, owners)}.\n\n{refusals}\n\nWrites a \`${messageType}\` system message (its \`role\` names the role), counted in \`msgs\`.`,
  }
}

const addRole = (role: RoomRole) =>
  roleChange(
    `Make a member ${roomRoles[role].noun}`,
    roomRoles[role].permission,
    'subscription-role-added',
  )

const removeRole = (role: RoomRole) =>
  roleChange(
    `Take a member's ${role} role`,
    roomRoles[role].permission,
    'subscription-role-removed',
  )

/** Private groups: creating, reading, membership, room roles, settings and lifecycle. */
export const groupDocs = {
  'groups.create': {
    tag: 'Groups',
    summary: 'Create a private group',
    description: `Permission required: the global \`create-p\` (by default admin, user, bot and app).

{refusals} Keys the body does not define are \`invalid-params\`.

\`members\` lists usernames to add, compared without case; unknown and deactivated users are skipped. The caller joins as the owner. With \`excludeSelf\` the caller does not join (unless listed in \`members\`) and the first valid user in \`members\` becomes the owner instead, so every group starts with an owner.

\`customFields\` (an object of at most 50 keys) is stored and shown as \`customFields\`. \`extraData\` takes \`topic\`, \`description\`, \`announcement\`, \`readOnly\` and \`customFields\`; the top-level \`readOnly\` and \`customFields\` win over those in \`extraData\`. Rocket.Chat's clients also send \`encrypted\`, \`broadcast\`, \`federated\` and \`teamId\`: they are taken when they ask for nothing (\`false\`; \`teamId\` null or empty) and refused otherwise, as above. Other keys in \`extraData\` are ignored: neither stored nor refused. Creating writes no system message.`,
  },

  'groups.info': {
    tag: 'Groups',
    summary: 'A private group',
    description: membersOnlyArchivedToo,
  },
  'groups.list': {
    tag: 'Groups',
    summary: "The caller's private groups",
    description: `Any logged-in user: the groups the caller is in and has open (see \`groups.open\` and \`groups.close\`), archived ones included, by name unless \`sort\` says otherwise. ${paging}`,
  },
  'groups.listAll': {
    tag: 'Groups',
    summary: 'Every private group',
    description: `Permission required: the global \`view-room-administration\` (admins). Lists every private group, whether or not the caller is in it, by name unless \`sort\` says otherwise; \`query\` filters by \`name\` and \`fname\`. ${paging}`,
  },
  'groups.members': {
    tag: 'Members and roles',
    summary: "A private group's members",
    description: `${membersOnly} Each member's \`_id\`, \`username\`, \`name\` and \`status\`, by username unless \`sort\` says otherwise; \`total\` is the group's \`usersCount\`. ${paging}`,
  },
  'groups.history': {
    tag: 'Groups',
    summary: "A private group's messages in a time window",
    description: `${membersOnlyArchivedToo} The messages, system messages included, newest first, between \`oldest\` and \`latest\` (bounds included when \`inclusive\`); \`count\` defaults to 20 (above 100 is cut to 100), \`offset\` to 0.`,
  },
  'groups.messages': {
    tag: 'Groups',
    summary: "A private group's messages, paged",
    description: `${membersOnly} The messages, system messages included, newest first unless \`sort\` says otherwise; \`query\` filters by \`msg\`, \`t\`, \`u._id\` and \`u.username\`. ${paging}`,
  },
  'groups.counters': {
    tag: 'Groups',
    summary: "A member's counters in a private group",
    description: `${membersOnly} The caller's counters; another user's (\`userId\`) need the global \`view-room-administration\` (admins). \`unreads\` counts the messages since the user last read the group (\`unreadsFrom\`); \`latest\` is the newest message's time. For a user not in the group, or who closed it, \`joined\` is false and the unread counters are null; the group's counters are null too unless the caller holds \`view-room-administration\`.`,
  },
  'groups.online': {
    tag: 'Members and roles',
    summary: "A private group's members who are online",
    description: `Members only. Names the group by \`_id\`, or by \`query\`, a JSON object holding \`_id\` alone (\`_id\` wins when both are sent).

{refusals} Rocket.Chat answers \`Group does not exists\` for an id no group has; this service answers as for a group the caller is not in, whatever the caller's global roles, so that no one learns which ids exist. Archived groups can be read.

Lists, by username, the members with at least one logged-in realtime connection to any process of the service. A process that dies without closing its connections stops counting them within \`PRESENCE_EXPIRY_MS\` (60 s by default) of its last heartbeat.`,
  },
  'groups.auditLog': {
    tag: 'Groups',
    summary: "A private group's audit trail",
    description: `Every change to a group (create, invite, kick, leave, rename, role and setting changes, archive, delete…), with who made it, when, and the values before and after; oldest first unless \`sort\` is \`{"ts":-1}\`. \`offset\` defaults to 0, \`count\` to 50 (above 100 is cut to 100).

Holders of the global \`view-room-administration\` (admins) read any group's entries, also of a group they are not in, and of a deleted group by its \`roomId\` (an unknown \`roomId\` gives an empty page); without \`roomId\`/\`roomName\` they read the whole log, permission changes included. Anyone else must name a group they hold the \`owner\` room role in.`,
  },

  'groups.leave': {
    tag: 'Groups',
    summary: 'Leave a private group',
    description: `Leave a group. The group owner must set another owner before leaving the group.

Permission required: the global \`leave-p\` (by default admin, user, bot, app and anonymous).

{refusals}

Leaving takes the caller's room roles with their membership, lowers \`usersCount\` and writes a \`ul\` system message, counted in \`msgs\`. The body shows the group after the caller left. The 200 examples show this service's answer first, then Rocket.Chat's own (pick it under Examples), which predates \`fname\` and \`usersCount\`.`,
  },
  'groups.invite': {
    tag: 'Members and roles',
    summary: 'Add users to a private group',
    description: `${whoMayManage('add-user-to-joined-room', 'add-user-to-any-p-room')}

Names the users by \`userId\` or \`username\` (\`userId\` wins) and/or the lists \`userIds\` and \`usernames\`; usernames are compared without case. Unknown and deactivated users are skipped; users already in the group stay as they are.

{refusals}

Writes one \`au\` system message per user added, counted in \`msgs\`. The body shows the group with its new members.`,
  },
  'groups.kick': {
    tag: 'Members and roles',
    summary: 'Remove a user from a private group',
    description: `${whoMayManage('remove-user', 'kick-user-from-any-p-room')}

{refusals}

The user's room roles go with their membership; \`usersCount\` drops and an \`ru\` system message is written, counted in \`msgs\`.

As in Rocket.Chat, a holder of \`kick-user-from-any-p-room\` skips the check that the user is a member: kicking an existing user who is not in the group answers 200 \`{success:true}\` and changes nothing (no system message, no counts, no \`_updatedAt\`).`,
  },

  'groups.addOwner': addRole('owner'),
  'groups.removeOwner': removeRole('owner'),
  'groups.addModerator': addRole('moderator'),
  'groups.removeModerator': removeRole('moderator'),
  'groups.addLeader': addRole('leader'),
  'groups.removeLeader': removeRole('leader'),
  'groups.roles': {
    tag: 'Members and roles',
    summary: 'The members holding room roles',
    description: `${membersOnlyArchivedToo}

Lists each member holding an owner, moderator or leader role, with those roles, sorted by username; \`_id\` identifies the membership (\`<roomId>-<userId>\`).`,
  },
  'groups.moderators': {
    tag: 'Members and roles',
    summary: "A private group's moderators",
    description: `${membersOnlyArchivedToo}

The members holding the moderator role, sorted by username.`,
  },

  'groups.rename': {
    tag: 'Groups',
    summary: 'Rename a private group',
    description: `Rename a private channel. ${editRoom}

{refusals}

A rename sets \`name\` and \`fname\` and writes an \`r\` system message, counted in \`msgs\`. Read-only groups can be renamed. The 200 examples show this service's answer first, then Rocket.Chat's own (pick it under Examples), which predates \`fname\` and \`usersCount\`.`,
  },
  'groups.setTopic': setter(
    "Set a private group's topic",
    'A change writes a `room_changed_topic` system message; the current topic again changes nothing.',
  ),
  'groups.setDescription': setter(
    "Set a private group's description",
    'A change writes a `room_changed_description` system message; the current description again changes nothing.',
  ),
  'groups.setPurpose': setter(
    "Set a private group's purpose",
    'The purpose is kept apart from the description; a change writes no system message.',
  ),
  'groups.setAnnouncement': setter(
    "Set a private group's announcement",
    'A change writes a `room_changed_announcement` system message; the current announcement again changes nothing.',
  ),
  'groups.setReadOnly': setter(
    'Make a private group read-only, or writable again',
    'Writes a `room-set-read-only` or `room-removed-read-only` system message.',
  ),
  'groups.setCustomFields': setter(
    "Replace a private group's custom fields",
    "The fields replace the group's as a whole; the same fields again change nothing. No system message.",
  ),
  'groups.setType': setter(
    "Change a private group's type (always refused here)",
    "Every group here is private and public channels are not supported, so every call is refused; the 200 body is Rocket.Chat's, for clients written against it.",
  ),

  'groups.archive': {
    tag: 'Groups',
    summary: 'Archive a private group',
    description: `Permission required: ${inGroup('archive-room', owners)}. An archived group refuses every change (leave, rename, invite, kick, room roles, settings) with \`error-room-archived\`, and so do groups.members, groups.messages and groups.counters; groups.info, groups.history, groups.roles and groups.moderators still read it, and it can be opened, closed and deleted.

{refusals}

Writes a \`room-archived\` system message, counted in \`msgs\`.`,
  },
  'groups.unarchive': {
    tag: 'Groups',
    summary: 'Unarchive a private group',
    description: `Permission required: ${inGroup('unarchive-room', 'by default admins who are members')}.

{refusals}

Writes a \`room-unarchived\` system message, counted in \`msgs\`.`,
  },
  'groups.delete': {
    tag: 'Groups',
    summary: 'Delete a private group',
    description: `Permission required: ${inGroup('delete-p', owners)}. Archived groups can be deleted. The group goes with its members and messages; the audit log keeps a row naming it and its members.`,
  },
  'groups.open': {
    tag: 'Groups',
    summary: "Show a private group in the caller's list",
    description:
      "Members only, archived groups included; it changes only the caller's own `groups.list`.",
  },
  'groups.close': {
    tag: 'Groups',
    summary: "Hide a private group from the caller's list",
    description:
      'Members only, archived groups included; the caller stays a member, and `groups.open` shows the group again.',
  },
} satisfies Record<string, EndpointDoc>
