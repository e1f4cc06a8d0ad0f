import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto'

/** Standard Webhooks' secret prefix; what follows is the key, in base64. */
const PREFIX = 'whsec_'
const SECRET_BYTES = 32
const IV_BYTES = 12
const STORED_FORMAT = 'v1'

/** A new signing secret, `whsec_` and 32 random bytes in base64: shown once, stored encrypted. */
export function newSigningSecret(): string {
  return `${PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`
}

/**
 * Encrypts signing secrets at rest with AES-256-GCM, under a key derived from
 * WEBHOOK_ENCRYPTION_KEY: the database holds `v1.<iv>.<tag>.<ciphertext>` (base64 each), never
 * the secret.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(passphrase: string) {
    this.#key = Buffer.from(
      hkdfSync('sha256', passphrase, 'private-groups', 'webhook signing secrets', 32),
    )
  }

  seal(secret: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
    return [STORED_FORMAT, iv, cipher.getAuthTag(), sealed]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
      .join('.')
  }

  /** The secret, or throws when the text was sealed under another key or altered. */
  open(stored: string): string {
    const [format, iv, tag, sealed] = stored.split('.')
    if (format !== STORED_FORMAT || !iv || !tag || sealed === undefined) {
      throw new Error('not a sealed webhook secret')
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64'))
    decipher.setAuthTag(Buffer.from(tag, 'base64'))
    return Buffer.concat([
      decipher.update(Buffer.from(sealed, 'base64')),
      decipher.final(),
    ]).toString('utf8')
  }
}

/**
 * The `webhook-signature` header: `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for each
 * secret, space-separated (several while a rotation overlaps).
 */
export function signatureHeader(
  secrets: readonly string[],
  messageId: string,
  timestamp: number,
  body: string,
): string {
  return secrets
    .map((secret) => {
      const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
      const mac = createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`)
      return `v1,${mac.digest('base64')}`
    })
    .join(' ')
}
