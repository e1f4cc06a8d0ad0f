import type { ParseArgsConfig } from 'node:util'
import { type CliIo, UsageError } from './io.js'

export type OptionsConfig = NonNullable<ParseArgsConfig['options']>

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

export interface Command {
  name: string
  summary: string
  /** The whole `--help` text, usage line first. */
  help: string
  options: OptionsConfig
  /** The positional arguments the command takes, by name. */
  positionals: string[]
  run(args: ParsedArgs, io: CliIo): Promise<void>
}

/** A required string option, trimmed, or a usage error naming it. */
export function requireOption(args: ParsedArgs, name: string): string {
  const value = args.values[name]
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`--${name} is required`)
  }
  return value.trim()
}
