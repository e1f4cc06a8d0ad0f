import { errors, type Refusal } from '../../../../domain/errors.js'
import type { ListedRefusal } from '../../../describe.js'

/** `name` absent or blank, refused with the plain message the endpoint uses. */
export const missingName = (refusal: Refusal<'bodyParamRequired' | 'bodyParamNameRequired'>) =>
  [refusal, 'a missing or blank `name`'] as const

/** A group's new name, refused as domain/groups/names.ts checks it; `taken` says whose names clash. */
export const nameRefusals = (taken: string) =>
  [
    [errors.invalidRoomName, 'a name breaking the naming rule, by default `^[0-9a-zA-Z-_.]+$`'],
    [errors.duplicateChannelName, taken],
    [errors.duplicateHandle, 'a username'],
  ] as const satisfies readonly ListedRefusal[]
