import { createHash, randomBytes, randomInt } from 'node:crypto'

// Rocket.Chat's id alphabet: no look-alike characters.
const ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz'

/** A 17-character random id, the form Rocket.Chat's clients expect for users, rooms and messages. */
export function randomId(): string {
  let id = ''
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)]
  return id
}

/** A new login token (256 random bits); only its hash is ever stored. */
export function newLoginToken(): string {
  return randomBytes(32).toString('base64url')
}

export function hashLoginToken(token: string): string {
  return createHash('sha256').update(token).digest('base64')
}
