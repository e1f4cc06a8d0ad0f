// The migrated database every test starts from, made once per set of migrations and copied for
// each test: on PostgreSQL a template database (`CREATE DATABASE … TEMPLATE`), on the embedded
// database a dump of PGlite's data directory loaded into each new instance. A test still gets a
// database of its own; what it no longer pays is running every migration again.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type pg from 'pg'
import type { Test } from 'tap'
import { createDatabase, migrateToLatest } from '../../db/database.js'
import { projectRoot } from './paths.js'

/** Names the migrations' sources: a migration added or changed makes (and names) a new template. */
export const migrationsDigest = (() => {
  const folder = join(projectRoot, 'migrations')
  const hash = createHash('sha256')
  for (const file of readdirSync(folder).sort()) {
    if (!file.endsWith('.ts')) continue
    hash
      .update(`${file}\0`)
      .update(readFileSync(join(folder, file)))
      .update('\0')
  }
  return hash.digest('hex').slice(0, 16)
})()

let embedded: Promise<Blob> | undefined

/** Where the embedded template's tarball is kept between runs. */
const embeddedTemplateFile = join(
  projectRoot,
  'node_modules',
  '.cache',
  'private-groups',
  `pglite-${migrationsDigest}.tar`,
)

/**
 * The embedded database's migrated data directory, as a tarball: read from the cache under
 * node_modules/.cache, or made there (migrated in memory, then dumped) by the first test that
 * asks. Two processes making it at once each write a whole file and rename it into place.
 */
export function embeddedTemplate(): Promise<Blob> {
  embedded ??= (async () => {
    const file = embeddedTemplateFile
    if (existsSync(file)) return new Blob([readFileSync(file)])
    const db = createDatabase({ url: '', poolSize: 1, dataDir: 'memory://' })
    try {
      await migrateToLatest(db)
      const backend = db.backend
      if (!backend || !('embedded' in backend)) throw new Error('not the embedded database')
      const dump = await backend.embedded.dumpDataDir('none')
      const bytes = new Uint8Array(await dump.arrayBuffer())
      mkdirSync(dirname(file), { recursive: true })
      const partial = `${file}.${process.pid}.partial`
      writeFileSync(partial, bytes)
      renameSync(partial, file)
      return new Blob([bytes])
    } finally {
      await db.destroy()
    }
  })()
  return embedded
}

/**
 * A new embedded data directory on disk holding the migrated template, for a server or tool
 * started as its own process: it starts as on a directory it had migrated itself, without
 * initializing and migrating one (several seconds of CPU). Removed after the test. Starts whose
 * subject is the first start use an empty directory instead.
 */
export async function migratedDataDir(t: Test, prefix = 'groups-data-'): Promise<string> {
  await embeddedTemplate()
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // The tarball's entries are the data directory's own paths (`/PG_VERSION`, `/base/…`).
  execFileSync('tar', ['--extract', '--file', embeddedTemplateFile, '--directory', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  return dir
}

/** Any key of our own for the advisory lock that lets one process at a time build a template. */
const TEMPLATE_LOCK = 2_026_120_701

/**
 * The name of the migrated template database on the server `admin` is connected to, built by the
 * first test that asks for it. It is migrated under a provisional name and renamed when whole, so
 * a template that exists is complete, and nobody stays connected to it (a copy needs that).
 */
export async function postgresTemplate(admin: pg.Client, serverUrl: string): Promise<string> {
  const name = `groups_template_${migrationsDigest}`
  const exists = async () =>
    (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1
  if (await exists()) return name
  await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK])
  try {
    if (await exists()) return name
    const partial = `${name}_partial`
    await admin.query(`drop database if exists ${partial} with (force)`)
    await admin.query(`create database ${partial}`)
    const url = new URL(serverUrl)
    url.pathname = `/${partial}`
    const db = createDatabase({ url: url.toString(), poolSize: 1, dataDir: '' })
    try {
      await migrateToLatest(db)
    } finally {
      await db.destroy()
    }
    await admin.query(`alter database ${partial} rename to ${name}`)
    return name
  } finally {
    await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK])
  }
}
