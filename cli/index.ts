import { parseArgs } from 'node:util'
import { ApiError, refusalText } from '../domain/errors.js'
import type { Command } from './command.js'
import { createAdmin } from './commands/create-admin.js'
import { exportGroup } from './commands/export-group.js'
import { migrate } from './commands/migrate.js'
import { resetPassword } from './commands/reset-password.js'
import { type CliIo, UsageError } from './io.js'

export type { CliIo } from './io.js'

const PROGRAM = 'private-groups'
const commands: Command[] = [migrate, createAdmin, resetPassword, exportGroup]

const toolHelp = `Usage: ${PROGRAM} <command> [options]

Operates the private groups service's database: migrations, admins, passwords
and exports. It reads the same configuration as the server: DATABASE_URL, or
the embedded database under DATA_DIR when DATABASE_URL is empty.

Commands:
${commands.map((command) => `  ${command.name.padEnd(16)} ${command.summary}`).join('\n')}
  ${'help [command]'.padEnd(16)} show this help, or a command's

Run '${PROGRAM} <command> --help' for a command's options.
Exit status: 0 done, 1 failed, 2 wrong usage.
`

function findCommand(name: string): Command {
  const command = commands.find((candidate) => candidate.name === name)
  if (!command) throw new UsageError(`unknown command '${name}'`)
  return command
}

function parse(command: Command, argv: string[]) {
  if (argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new UsageError(
      'passwords are never taken from the command line, where ps and shell history would keep them',
    )
  }
  try {
    return parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    io.stderr.write(toolHelp)
    return 2
  }
  if (name === '--help' || name === '-h' || (name === 'help' && rest[0] === undefined)) {
    io.stdout.write(toolHelp)
    return 0
  }
  if (name === 'help') {
    io.stdout.write(findCommand(rest[0] ?? '').help)
    return 0
  }
  const command = findCommand(name)
  const args = parse(command, rest)
  if (args.values.help) {
    io.stdout.write(command.help)
    return 0
  }
  if (args.positionals.length !== command.positionals.length) {
    const expected = command.positionals.map((positional) => `<${positional}>`).join(' ')
    throw new UsageError(
      expected
        ? `${command.name} takes exactly ${expected}`
        : `${command.name} takes no arguments besides its options`,
    )
  }
  await command.run(args, io)
  return 0
}

/** One line for the operator: the API's reason for a refusal, else the error's own message. */
function describeFailure(error: unknown): string {
  if (error instanceof ApiError) return refusalText(error)
  if (error instanceof Error) {
    // A refused connection to both ::1 and 127.0.0.1 arrives as an AggregateError without a message.
    const code = (error as { code?: unknown }).code
    return error.message || (typeof code === 'string' ? code : error.name)
  }
  return String(error)
}

/** Runs one command line (without `node` and the script), returning the exit status. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  try {
    return await dispatch(argv, io)
  } catch (error) {
    if (error instanceof UsageError) {
      const topic = commands.some((command) => command.name === argv[0]) ? ` ${argv[0]}` : ''
      io.stderr.write(`${PROGRAM}: ${error.message}\nRun '${PROGRAM}${topic} --help' for usage.\n`)
      return 2
    }
    io.stderr.write(`${PROGRAM}: ${describeFailure(error)}\n`)
    return 1
  }
}
