import type { Actor } from '../../domain/actor.js'
import type { Connection, Outbox, ReplayOutcome } from '../../domain/realtime/outbox.js'
import type { UserConnections } from '../user-connections.js'
import type { PacingLimits } from './pacing.js'

export interface DdpLimits extends PacingLimits {
  connectTimeoutMs: number
  loginTimeoutMs: number
  maxSubscriptions: number
  sendBufferBytes: number
}

export interface DdpSocket {
  send(text: string): void
  close(code: number, reason: string): void
  /** Bytes accepted by `send` but not yet written to the network. */
  readonly bufferedAmount: number
}

/** A login token resumed by a session. */
export interface ResumedLogin {
  actor: Actor
  hashedToken: string
  tokenExpires: Date
}

/** What a session needs from the rest of the service. */
export interface DdpServices {
  /** The login behind a resume token, or undefined when it logs no one in. */
  login(token: string): Promise<ResumedLogin | undefined>
  logout(login: ResumedLogin): Promise<void>
  isMember(roomId: string, userId: string): Promise<boolean>
  /** Each user's connections in this process, capped: a login takes a place. */
  connections: UserConnections
  /** The connection's way to its events (domain/realtime/outbox.ts). */
  outbox(connection: Connection): Outbox
  /** The session went live for its user, or stopped being so (presence). */
  online(sessionId: string, userId: string): Promise<void>
  offline(sessionId: string): Promise<void>
  /** Counted in the metrics. */
  replayed(outcome: ReplayOutcome): void
  slowClosed(): void
  log: { warn(details: object, message: string): void }
}
