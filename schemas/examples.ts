import type { MessageView } from './messages.js'

/**
 * The documentation's examples tell one story: `testing1` created the group `team-testing`
 * with `rocket.cat` in it, made rocket.cat a moderator and set a topic. Ids have Rocket.Chat's
 * form (17 characters).
 *
 * The schema modules that show these examples import them, so this module names none of their
 * types (that would be an import cycle): each example is checked against its schema where
 * `withExamples` or `withNamedExamples` takes it.
 */
export const exampleIds = {
  group: 'ByehQjC44FwMeiLbX',
  owner: 'aobEdbYhXfu5hkeqG',
  member: 'BsNr28znDkG8aeo7W',
}

const createdAt = '2016-12-09T15:08:58.042Z'
const updatedAt = '2016-12-09T15:22:40.656Z'

const owner = { _id: exampleIds.owner, username: 'testing1' }
const member = { _id: exampleIds.member, username: 'rocket.cat' }

/** The group the moment groups.create made it, with rocket.cat listed in `members`. */
export const exampleNewGroup = {
  _id: exampleIds.group,
  name: 'team-testing',
  fname: 'team-testing',
  t: 'p' as const,
  usernames: ['testing1', 'rocket.cat'],
  msgs: 0,
  usersCount: 2,
  u: owner,
  ts: createdAt,
  ro: false,
  sysMes: true,
  _updatedAt: createdAt,
}

/** The group as groups.info shows it afterwards: two system messages, and the topic. */
export const exampleGroup = {
  ...exampleNewGroup,
  msgs: 2,
  _updatedAt: updatedAt,
  topic: 'Discuss all of the testing',
}

/** A group as lists show it: without its members' usernames. */
export function groupSummary<Group extends { usernames: string[] }>(
  group: Group,
): Omit<Group, 'usernames'> {
  const { usernames: _usernames, ...summary } = group
  return summary
}

export const exampleMessages: MessageView[] = [
  {
    _id: 'Lq8XJTqgP7bdhY3WC',
    rid: exampleIds.group,
    msg: 'Discuss all of the testing',
    t: 'room_changed_topic',
    ts: updatedAt,
    u: owner,
    groupable: false,
    _updatedAt: updatedAt,
  },
  {
    _id: 'pG3YWxaMjRnd7HTs9',
    rid: exampleIds.group,
    msg: 'rocket.cat',
    t: 'subscription-role-added',
    role: 'moderator',
    ts: '2016-12-09T15:10:12.331Z',
    u: owner,
    groupable: false,
    _updatedAt: '2016-12-09T15:10:12.331Z',
  },
]

/** A user as an admin, or the user themself, sees them. */
export const exampleUser = {
  _id: exampleIds.member,
  username: 'rocket.cat',
  name: 'Rocket Cat',
  emails: [{ address: 'rocket.cat@example.com', verified: false }],
  roles: ['user'],
  active: true,
  status: 'offline',
  type: 'user' as const,
  createdAt,
  _updatedAt: createdAt,
}

/** The same user as anyone else logged in sees them. */
export const examplePublicUser = {
  _id: exampleUser._id,
  username: exampleUser.username,
  name: exampleUser.name,
  status: exampleUser.status,
  active: exampleUser.active,
  type: 'user' as const,
}

export const exampleMembers = [
  { ...member, name: 'Rocket Cat', status: 'offline' },
  { ...owner, name: 'Testing One', status: 'offline' },
]

export const exampleRoomUsers = { owner, member }

export const exampleRole = {
  _id: 'bot',
  name: 'bot',
  scope: 'Users' as const,
  description: 'Bot',
  protected: true,
  mandatory2fa: false,
}

export const examplePermission = {
  _id: 'edit-room',
  roles: ['admin', 'moderator', 'owner'],
  _updatedAt: createdAt,
}
