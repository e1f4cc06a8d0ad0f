// The layout of deploy/ on one machine, from Debian's packages: a PostgreSQL primary and its
// streaming standby, PgBouncer, three API processes on 127.0.0.2-4 and HAProxy in front. The
// configuration is deploy/'s own files with only ports, addresses and paths substituted.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import {
  chownSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { projectRoot as root } from '../support/paths.js'

const PG_BIN = '/usr/lib/postgresql/15/bin'
const deploy = (file: string) => readFileSync(join(root, 'deploy', file), 'utf8')

/** Installs Debian's haproxy and pgbouncer when they are missing. */
export function ensurePackages() {
  const missing = ['haproxy', 'pgbouncer'].filter((name) => {
    try {
      execFileSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`])
      return false
    } catch {
      return true
    }
  })
  if (missing.length === 0) return
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
  })
}

/** A port free on loopback now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

function replaceAll(text: string, pairs: Array<[string | RegExp, string]>): string {
  let out = text
  for (const [from, to] of pairs) {
    const next = out.replace(from, to)
    if (next === out) throw new Error(`deploy file changed: ${String(from)} not found`)
    out = next
  }
  return out
}

const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
const postgresGid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())

function asPostgres(command: string, args: string[], env: Record<string, string> = {}) {
  execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], {
    stdio: 'ignore',
    env: { ...process.env, ...env },
  })
}

export const API_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const

export interface Ports {
  primary: number
  standby: number
  pgbouncer: number
  api: number
  haproxy: number
}

/** The whole layout, started; each part can be stopped and started again. */
export class Layout {
  readonly dir = mkdtempSync(join(tmpdir(), 'groups-topology-'))
  readonly conf = join(this.dir, 'conf')
  /** The API processes by index (a fourth, straight on PostgreSQL, for the throughput figure). */
  readonly apis: Array<ChildProcess | undefined> = []
  pgbouncer: ChildProcess | undefined
  haproxy: ChildProcess | undefined
  /** Where PgBouncer sends the database now: the primary, then the promoted standby. */
  databasePort: number

  constructor(
    readonly ports: Ports,
    readonly replication: 'sync' | 'async',
  ) {
    this.databasePort = ports.primary
    mkdirSync(this.conf)
    chownSync(this.dir, postgresUid, postgresGid)
    chownSync(this.conf, postgresUid, postgresGid)
  }

  get haproxyUrl() {
    return `http://127.0.0.1:${this.ports.haproxy}`
  }

  apiUrl(index: number) {
    return `http://${API_ADDRESSES[index]}:${this.ports.api}`
  }

  /** The application's URL through PgBouncer; `groups_listen` is its session-mode entry. */
  pooledUrl(database = 'groups') {
    return `postgres://groups:groups-password@127.0.0.1:${this.ports.pgbouncer}/${database}`
  }

  directUrl(port = this.ports.primary) {
    return `postgres://groups:groups-password@127.0.0.1:${port}/groups`
  }

  #write(name: string, text: string) {
    const path = join(this.conf, name)
    writeFileSync(path, text)
    chownSync(path, postgresUid, postgresGid)
    return path
  }

  #log(name: string) {
    const fd = openSync(join(this.dir, `${name}.log`), 'a')
    chownSync(join(this.dir, `${name}.log`), postgresUid, postgresGid)
    return fd
  }

  #startPostgres(name: 'primary' | 'standby', port: number) {
    const data = join(this.dir, name)
    const options = [
      `-c config_file=${join(this.conf, `${name}.conf`)}`,
      `-c hba_file=${join(this.conf, 'pg_hba.conf')}`,
      `-p ${port} -k ${data} -c listen_addresses=127.0.0.1`,
    ].join(' ')
    asPostgres('pg_ctl', [
      '-D',
      data,
      '-o',
      options,
      '-l',
      join(this.dir, `${name}.log`),
      '-w',
      'start',
    ])
  }

  stopPrimary() {
    asPostgres('pg_ctl', ['-D', join(this.dir, 'primary'), '-m', 'fast', '-w', 'stop'])
  }

  promoteStandby() {
    asPostgres('pg_ctl', ['-D', join(this.dir, 'standby'), '-w', 'promote'])
  }

  /** psql on a server's socket as the superuser; returns what it printed. */
  psql(name: 'primary' | 'standby', sql: string, database = 'postgres', file = false): string {
    const port = name === 'primary' ? this.ports.primary : this.ports.standby
    return execFileSync('runuser', [
      '-u',
      'postgres',
      '--',
      join(PG_BIN, 'psql'),
      '-h',
      join(this.dir, name),
      '-p',
      String(port),
      '-d',
      database,
      '-Atq',
      file ? '-f' : '-c',
      sql,
    ])
      .toString()
      .trim()
  }

  startDatabases() {
    const { primary, standby } = this.ports
    let primaryConf = deploy('postgres/primary.conf')
    if (this.replication === 'async') {
      primaryConf = replaceAll(primaryConf, [
        [/^synchronous_standby_names = .*$/m, "synchronous_standby_names = ''"],
      ])
    }
    this.#write('primary.conf', primaryConf)
    this.#write(
      'standby.conf',
      replaceAll(deploy('postgres/standby.conf'), [
        ['host=db-primary port=5432', `host=127.0.0.1 port=${primary}`],
      ]),
    )
    this.#write('pg_hba.conf', deploy('postgres/pg_hba.conf'))
    asPostgres('initdb', ['-D', join(this.dir, 'primary'), '-A', 'trust', '-U', 'postgres'])
    this.#startPostgres('primary', primary)
    this.psql(
      'primary',
      this.#write('init-primary.sql', deploy('postgres/init-primary.sql')),
      'postgres',
      true,
    )
    asPostgres(
      'pg_basebackup',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primary),
        '-U',
        'replicator',
        '-D',
        join(this.dir, 'standby'),
        '-X',
        'stream',
        '-c',
        'fast',
      ],
      { PGPASSWORD: 'replicator-password' },
    )
    writeFileSync(join(this.dir, 'standby', 'standby.signal'), '')
    chownSync(join(this.dir, 'standby', 'standby.signal'), postgresUid, postgresGid)
    this.#startPostgres('standby', standby)
  }

  /** What pg_stat_replication says of the standby: `sync` or `async`, once it streams. */
  replicationState(): string {
    return this.psql(
      'primary',
      "select sync_state from pg_stat_replication where application_name = 'standby'",
    )
  }

  #pgbouncerConf() {
    const userlist = this.#write('userlist.txt', deploy('pgbouncer/userlist.txt'))
    return this.#write(
      'pgbouncer.ini',
      replaceAll(deploy('pgbouncer/pgbouncer.ini'), [
        [/host=db-primary port=5432/g, `host=127.0.0.1 port=${this.databasePort}`],
        ['listen_addr = 0.0.0.0', 'listen_addr = 127.0.0.1'],
        ['listen_port = 6432', `listen_port = ${this.ports.pgbouncer}`],
        ['/etc/pgbouncer/userlist.txt', userlist],
      ]),
    )
  }

  startPgbouncer() {
    const log = this.#log('pgbouncer')
    this.pgbouncer = spawn('pgbouncer', [this.#pgbouncerConf()], {
      uid: postgresUid,
      gid: postgresGid,
      stdio: ['ignore', log, log],
    })
    closeSync(log)
  }

  async stopPgbouncer() {
    const child = this.pgbouncer
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // SIGTERM: at once. SIGINT would wait for every client to leave, which the listeners' session
    // connections never do.
    child.kill('SIGTERM')
    await exited
  }

  /** Points PgBouncer at the promoted standby and reloads it, as a failover tool would. */
  repointPgbouncer() {
    this.databasePort = this.ports.standby
    this.#pgbouncerConf()
    this.pgbouncer?.kill('SIGHUP')
  }

  apiEnvironment(): Record<string, string> {
    return {
      DATABASE_URL: this.pooledUrl(),
      DATABASE_LISTEN_URL: this.pooledUrl('groups_listen'),
      DATABASE_PREPARED_STATEMENTS: 'false',
      TRUST_PROXY: '1',
      PORT: String(this.ports.api),
      ADMIN_PASS: 'topology-admin-pass',
      LOG_LEVEL: 'warn',
    }
  }

  startApi(index: number, env: Record<string, string> = {}) {
    const log = this.#log(`api${index + 1}`)
    const child = spawn(process.execPath, [join(root, 'dist', 'server.js')], {
      env: { ...process.env, ...this.apiEnvironment(), HOST: API_ADDRESSES[index] ?? '', ...env },
      stdio: ['ignore', log, log],
    })
    closeSync(log)
    this.apis[index] = child
    return child
  }

  startHaproxy() {
    let config = replaceAll(deploy('haproxy/haproxy.cfg'), [
      ['bind 0.0.0.0:8080', `bind 127.0.0.1:${this.ports.haproxy}`],
    ])
    API_ADDRESSES.forEach((address, index) => {
      config = replaceAll(config, [[`api${index + 1}:3000`, `${address}:${this.ports.api}`]])
    })
    const path = this.#write('haproxy.cfg', config)
    const log = this.#log('haproxy')
    this.haproxy = spawn('haproxy', ['-f', path, '-db'], { stdio: ['ignore', log, log] })
    closeSync(log)
  }

  async destroy() {
    for (const child of [...this.apis, this.haproxy, this.pgbouncer]) {
      if (child && child.exitCode === null) {
        child.kill('SIGCONT')
        child.kill('SIGKILL')
      }
    }
    for (const name of ['primary', 'standby']) {
      try {
        asPostgres('pg_ctl', ['-D', join(this.dir, name), '-m', 'immediate', '-w', 'stop'])
      } catch {
        // not running
      }
    }
    if (!process.env.TOPOLOGY_KEEP) rmSync(this.dir, { recursive: true, force: true })
  }
}
