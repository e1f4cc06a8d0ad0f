/**
 * Users found by id or username, in the order the request named them (ids first, then
 * usernames, matched case-insensitively), so messages and ownership follow what was asked.
 */
export function inRequestedOrder<U extends { id: string; username: string }>(
  users: U[],
  named: { ids: string[]; usernames: string[] },
): U[] {
  const usernames = named.usernames.map((name) => name.toLowerCase())
  const position = (user: U) => {
    const byId = named.ids.indexOf(user.id)
    return byId >= 0 ? byId : named.ids.length + usernames.indexOf(user.username.toLowerCase())
  }
  return [...users].sort((a, b) => position(a) - position(b))
}
