/** The logged-in user a request acts as. */
export interface Actor {
  id: string
  username: string
  name: string
  /** Global roles (admin, user, bot…); room roles are looked up per room. */
  roles: string[]
}
