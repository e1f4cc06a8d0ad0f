/**
 * Compile-time conformance with Rocket.Chat's own REST types: `npm run typecheck` (part of
 * `npm test`) fails when a Rocket.Chat client would stop compiling against, or being served by,
 * the types generated from our OpenAPI document (types/api.d.ts). Nothing here runs.
 *
 * A client compiles against this service unchanged when
 * - every body Rocket.Chat's types let it send is a body our schema accepts: their params are
 *   assignable to our request body, and name no property outside it (our bodies refuse unknown
 *   properties, which TypeScript's assignability alone would let through);
 * - every 200 answer we may send is what the client expects back: our response is assignable to
 *   the result its `post()` promises (`Serialized<OperationResult>`, dates as strings). Where
 *   Rocket.Chat declares `void` the client reads nothing from the answer, so any answer will do.
 * The other directions need not hold: a service may accept bodies a client never sends (ours
 * takes `roomId` and `roomName` both optional and refuses a body with neither at run time), and
 * a client's result type may allow fields (most of `IRoom`) that we never send.
 */
import type { Serialized } from '@rocket.chat/core-typings'
import type { OperationParams, OperationResult, PathPattern } from '@rocket.chat/rest-typings'
import type { paths } from '../../types/api.js'

/** Compiles only when `Actual` is assignable to `Expected`; tsc's error names the mismatch. */
type Assignable<Expected, Actual extends Expected> = Actual

/** Every property name any member of a union may carry. */
type AllKeys<T> = T extends unknown ? keyof T : never

interface JsonOperation {
  requestBody: { content: { 'application/json': unknown } }
  responses: { 200: { content: { 'application/json': unknown } } }
}

type Body<Op extends JsonOperation> = Op['requestBody']['content']['application/json']

type Answer<Op extends JsonOperation> = Op['responses'][200]['content']['application/json']

// Rocket.Chat's client sends `/v1/x` to `${baseUrl}/api/v1/x`.
type Leave = paths['/api/v1/groups.leave']['post']
type Rename = paths['/api/v1/groups.rename']['post']

/** What the client's `post()` resolves to; `unknown` when Rocket.Chat declares no result. */
type ClientResult<P extends PathPattern> =
  OperationResult<'POST', P> extends void ? unknown : Serialized<OperationResult<'POST', P>>

// Rocket.Chat's own types take these bodies: they are real types, not `never` or `any`.
export type LeaveByRoomId = Assignable<
  OperationParams<'POST', '/v1/groups.leave'>,
  { roomId: string }
>
export type RenameByRoomId = Assignable<
  OperationParams<'POST', '/v1/groups.rename'>,
  { roomId: string; name: string }
>

export type LeaveBody = Assignable<Body<Leave>, OperationParams<'POST', '/v1/groups.leave'>>
export type LeaveBodyKeys = Assignable<
  keyof Body<Leave>,
  AllKeys<OperationParams<'POST', '/v1/groups.leave'>>
>
export type LeaveAnswer = Assignable<ClientResult<'/v1/groups.leave'>, Answer<Leave>>

export type RenameBody = Assignable<Body<Rename>, OperationParams<'POST', '/v1/groups.rename'>>
export type RenameBodyKeys = Assignable<
  keyof Body<Rename>,
  AllKeys<OperationParams<'POST', '/v1/groups.rename'>>
>
export type RenameAnswer = Assignable<ClientResult<'/v1/groups.rename'>, Answer<Rename>>

// GET endpoints: every query Rocket.Chat's types let a client send is one our schema accepts,
// naming no parameter outside it, and every 200 we send is what its `get()` promises.
interface JsonGetOperation {
  parameters: { query?: unknown }
  responses: { 200: { content: { 'application/json': unknown } } }
}

type Query<Op extends JsonGetOperation> = NonNullable<Op['parameters']['query']>

type GetAnswer<Op extends JsonGetOperation> = Op['responses'][200]['content']['application/json']

type ClientGetResult<P extends PathPattern> = Serialized<OperationResult<'GET', P>>

type SubscriptionsGet = paths['/api/v1/subscriptions.get']['get']
type SubscriptionsGetOne = paths['/api/v1/subscriptions.getOne']['get']
type RoomsGet = paths['/api/v1/rooms.get']['get']

/** Whether `Actual` is assignable to `Expected`, as a type a check can hold to `true`. */
type IsAssignable<Expected, Actual> = [Actual] extends [Expected] ? true : false

/** A GET endpoint's three checks, each `true` when it holds. */
interface GetChecks<Op extends JsonGetOperation, P extends PathPattern> {
  query: IsAssignable<Query<Op>, OperationParams<'GET', P>>
  queryKeys: IsAssignable<keyof Query<Op>, AllKeys<OperationParams<'GET', P>>>
  answer: IsAssignable<ClientGetResult<P>, GetAnswer<Op>>
}

/** What `GetChecks` must be: tsc's error shows which check is `false`. */
type AllHold = { query: true; queryKeys: true; answer: true }

export type SubscriptionsGetConforms = Assignable<
  AllHold,
  GetChecks<SubscriptionsGet, '/v1/subscriptions.get'>
>
export type SubscriptionsGetOneConforms = Assignable<
  AllHold,
  GetChecks<SubscriptionsGetOne, '/v1/subscriptions.getOne'>
>

export type RoomsGetQuery = Assignable<Query<RoomsGet>, OperationParams<'GET', '/v1/rooms.get'>>
export type RoomsGetQueryKeys = Assignable<
  keyof Query<RoomsGet>,
  AllKeys<OperationParams<'GET', '/v1/rooms.get'>>
>
// Rocket.Chat types rooms.get's `remove` as whole rooms, yet its server sends `{_id, _deletedAt}`
// (the trash projection of `rooms/get`), as we do: only `update` is held to its type.
export type RoomsGetAnswer = Assignable<
  Omit<ClientGetResult<'/v1/rooms.get'>, 'remove'>,
  Omit<GetAnswer<RoomsGet>, 'remove'>
>
