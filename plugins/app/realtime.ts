import fp from 'fastify-plugin'
import { type ChannelListener, listenToChannel } from '../../db/notifications.js'
import { isMember } from '../../db/queries/events.js'
import { deleteLoginToken, findActorByToken, findLoginByToken } from '../../db/queries/tokens.js'
import { hashLoginToken } from '../../domain/ids.js'
import {
  CLOSE,
  type DdpLimits,
  type DdpServices,
  type DdpSession,
} from '../../domain/realtime/ddp.js'
import { Hub, type Subscriber } from '../../domain/realtime/hub.js'
import { EventRelay } from '../../domain/realtime/relay.js'

declare module 'fastify' {
  interface FastifyInstance {
    realtime: Realtime
  }
}

/** Rocket.Chat's default login expiration; our tokens last until deleted, clients are told this. */
const TOKEN_EXPIRES_AFTER_MS = 90 * 24 * 60 * 60 * 1000
const RELAY_BATCH = 1000

export interface Realtime {
  hub: Hub
  relay: EventRelay
  limits: DdpLimits
  services: DdpServices
  sessions: Set<DdpSession>
  /** Starts reading the log and watching logins, once, when the first connection arrives. */
  started(): Promise<void>
}

interface Presence {
  connected(connectionId: string, userId: string): Promise<void>
  disconnected(connectionId: string): Promise<void>
}

/**
 * The realtime side of one process: the event relay, the hub of its connections, and a listener
 * on login changes that closes the connections of a deleted token, or of a user whose token no
 * longer logs in, within moments, whichever process made the change.
 */
export default fp(
  async (app) => {
    const { db, config } = app
    const hub = new Hub(db)
    const relay = new EventRelay(
      db,
      (events) => hub.deliver(events),
      {
        pollMs: config.REALTIME_POLL_MS,
        batchSize: RELAY_BATCH,
      },
      app.log,
    )
    hub.attach(relay)
    const sessions = new Set<DdpSession>()
    const presence = (): Presence | undefined =>
      app.hasDecorator('presence') ? (app as unknown as { presence: Presence }).presence : undefined

    const recheck = async (subscribers: Subscriber[]) => {
      for (const subscriber of subscribers) {
        const actor = await findActorByToken(db, subscriber.userId, subscriber.hashedToken)
        if (!actor) subscriber.revoke()
      }
    }
    const recheckQuietly = (subscribers: Subscriber[]) =>
      recheck(subscribers).catch((err) =>
        app.log.warn({ err }, 'could not recheck realtime logins'),
      )

    let loginListener: ChannelListener | undefined
    let starting: Promise<void> | undefined
    const started = () => {
      starting ??= (async () => {
        await relay.start()
        loginListener = await listenToChannel(db, 'auth_changes', {
          onListening: () => void recheckQuietly(hub.subscribersOf()),
          onLost: (err) => app.log.warn({ err }, 'login changes unheard until reconnected'),
          onNotification: (payload) => {
            const colon = payload.indexOf(':')
            const kind = colon < 0 ? payload : payload.slice(0, colon)
            const value = payload.slice(colon + 1)
            if (kind === 'token') hub.revokeToken(value)
            else if (kind === 'user') void recheckQuietly(hub.subscribersOf(value))
            else if (kind === 'all') void recheckQuietly(hub.subscribersOf())
          },
        })
      })()
      starting.catch(() => {
        starting = undefined
      })
      return starting
    }

    const services: DdpServices = {
      async resume(token) {
        const hashedToken = hashLoginToken(token)
        const login = await findLoginByToken(db, hashedToken)
        if (!login) return undefined
        const { created_at: createdAt, ...actor } = login
        return {
          actor,
          hashedToken,
          tokenExpires: new Date(createdAt.getTime() + TOKEN_EXPIRES_AFTER_MS),
        }
      },
      async logout(login) {
        await deleteLoginToken(db, login.actor.id, login.hashedToken)
        await db.logins.settled()
      },
      isMember: (roomId, userId) => isMember(db, roomId, userId),
      async connected(subscriber) {
        await started()
        await hub.add(subscriber)
        await presence()?.connected((subscriber as DdpSession).id, subscriber.userId)
      },
      async disconnected(subscriber) {
        await hub.remove(subscriber)
        await presence()?.disconnected((subscriber as DdpSession).id)
      },
      log: app.log,
    }

    const limits: DdpLimits = {
      connectTimeoutMs: config.REALTIME_CONNECT_TIMEOUT_MS,
      loginTimeoutMs: config.REALTIME_LOGIN_TIMEOUT_MS,
      pingAfterMs: config.REALTIME_PING_AFTER_MS,
      pongTimeoutMs: config.REALTIME_PONG_TIMEOUT_MS,
      maxSubscriptions: config.REALTIME_MAX_SUBSCRIPTIONS,
      messagesPerSecond: config.REALTIME_MESSAGES_PER_SECOND,
      messageBurst: config.REALTIME_MESSAGE_BURST,
      sendBufferBytes: config.REALTIME_SEND_BUFFER_BYTES,
    }

    app.decorate('realtime', { hub, relay, limits, services, sessions, started })
    app.addHook('preClose', async () => {
      for (const session of sessions) session.close(CLOSE.shutdown)
    })
    app.addHook('onClose', async () => {
      await Promise.all([...sessions].map((session) => session.ended()))
      if (starting) {
        await starting.catch(() => {})
        await loginListener?.close()
        await relay.stop()
      }
    })
  },
  { name: 'realtime', dependencies: ['config', 'database'] },
)
