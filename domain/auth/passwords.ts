import { hash, verify } from '@node-rs/argon2'

// Algorithm.Argon2id; the const enum cannot be imported under isolatedModules.
const ARGON2ID = 2

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID })
}

let decoyHash: Promise<string> | undefined

/**
 * Checks a password against a stored hash. Without a stored hash (no such user, or a user
 * without a password such as the bot `rocket.cat`) it still spends the time of a real check
 * and fails, so those look like a wrong password.
 */
export async function checkPassword(storedHash: string | null | undefined, password: string) {
  if (storedHash === undefined || storedHash === null) {
    decoyHash ??= hashPassword('decoy password for unknown users')
    await verify(await decoyHash, password)
    return false
  }
  try {
    return await verify(storedHash, password)
  } catch {
    return false
  }
}
