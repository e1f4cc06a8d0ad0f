import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const bin = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql')[0] ?? '', 'bin')

function asPostgres(command: string, args: string[]) {
  execFileSync('runuser', ['-u', 'postgres', '--', join(bin, command), ...args], {
    stdio: 'ignore',
  })
}

/**
 * A PostgreSQL server of the test's own (the machine's binaries, a temporary data directory,
 * its own port), so a test may stop and start it without touching anyone else's database.
 */
export function privatePostgres(port: number) {
  const dir = mkdtempSync(join(tmpdir(), 'groups-pg-'))
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString().trim()), -1)
  asPostgres('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres'])
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`
  const start = () =>
    asPostgres('pg_ctl', ['-D', dir, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  const stop = () => asPostgres('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop'])
  start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    destroy: () => {
      try {
        stop()
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
