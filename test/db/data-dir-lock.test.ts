// database-free
// One process per embedded data directory: the lock itself, then real servers and the tool on
// one directory. Always on the embedded database, whatever TEST_DATABASE_URL says.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { LOCK_FILE, lockDataDir } from '../../db/data-dir-lock.js'
import { createDatabase } from '../../db/database.js'
import { runCli, runServerToExit, startServer } from '../support/server-process.js'
import { embeddedTemplate, migratedDataDir } from '../support/template.js'

function tempDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'groups-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const inUse = (dir: string, pid: number) =>
  `DATA_DIR ${dir} is in use by process ${pid} (another server or tool on the same embedded database); stop it, or set DATA_DIR to another directory`

/** The pid of a process that has ended, so no process has it (until the system reuses it). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await once(child, 'exit')
  return child.pid ?? 0
}

t.test('the lock names this process and is released', async (t) => {
  const dir = tempDir(t)

  const lock = lockDataDir(dir)

  t.match(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')), {
    pid: process.pid,
    host: hostname(),
    startedAt: /^\d{4}-\d\d-\d\dT/,
  })
  lock.release()
  t.notOk(existsSync(join(dir, LOCK_FILE)), 'the lock file is gone')
  lock.release()
  lockDataDir(dir).release()
  t.pass('released twice without harm, and taken again')
})

t.test('a held directory is refused, naming the directory and the holder', async (t) => {
  const dir = tempDir(t)
  const lock = lockDataDir(dir)
  t.teardown(() => lock.release())

  t.throws(() => lockDataDir(dir), { name: 'DataDirInUseError', message: inUse(dir, process.pid) })
})

t.test('a lock held by another live process is refused', async (t) => {
  const dir = tempDir(t)
  const holder = { pid: process.ppid, host: hostname(), startedAt: new Date().toISOString() }
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(holder))

  t.throws(() => lockDataDir(dir), { message: inUse(dir, process.ppid) })
  t.same(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')), holder, 'left as it was')
})

t.test('a lock left by a dead process, or unreadable, is taken over', async (t) => {
  const dir = tempDir(t)
  for (const leftover of [
    JSON.stringify({ pid: await deadPid(), host: hostname(), startedAt: '' }),
    '',
    '{"pid":',
  ]) {
    writeFileSync(join(dir, LOCK_FILE), leftover)

    const lock = lockDataDir(dir)

    t.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid, leftover)
    lock.release()
  }
})

t.test('the embedded database holds the lock until destroyed; memory:// takes none', async (t) => {
  const dir = await migratedDataDir(t, 'groups-lock-')
  const db = createDatabase({ url: '', poolSize: 1, dataDir: dir })

  t.throws(() => createDatabase({ url: '', poolSize: 1, dataDir: dir }), {
    message: inUse(dir, process.pid),
  })
  await db.destroy()
  t.notOk(existsSync(join(dir, LOCK_FILE)), 'released by destroy')
  const initialDataDir = await embeddedTemplate()
  const memory = [1, 2].map(() =>
    createDatabase({ url: '', poolSize: 1, dataDir: 'memory://', initialDataDir }),
  )
  await Promise.all(memory.map((each) => each.destroy()))
})

t.test('a second server on one DATA_DIR exits 1; the first serves on, data intact', async (t) => {
  const dir = await migratedDataDir(t, 'groups-lock-')
  const first = await startServer({ DATA_DIR: dir, ADMIN_PASS: 'first admin phrase' })
  t.teardown(() => {
    first.child.kill('SIGKILL')
  })
  const login = () =>
    fetch(`${first.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'admin', password: 'first admin phrase' }),
    })
  t.equal((await login()).status, 200)

  const second = await runServerToExit({ DATA_DIR: dir })

  t.same(second, { code: 1, stdout: '', stderr: `${inUse(dir, first.child.pid ?? 0)}\n` })
  t.equal((await login()).status, 200, 'the first still serves its data')
  t.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, first.child.pid)

  // The tool is refused while the server runs, and works once it has stopped.
  const refused = await runCli(['export-group', 'no-such-room'], { DATA_DIR: dir })
  t.same(refused, {
    code: 1,
    stdout: '',
    stderr: `using the embedded database in ${dir} (set DATABASE_URL to use PostgreSQL)\nprivate-groups: ${inUse(dir, first.child.pid ?? 0)}\n`,
  })
  first.child.kill('SIGTERM')
  t.equal(await first.exited, 0)
  t.notOk(existsSync(join(dir, LOCK_FILE)), 'released on a graceful stop')
  const after = await runCli(['export-group', 'no-such-room'], { DATA_DIR: dir })
  t.same(after, {
    code: 1,
    stdout: '',
    stderr: `using the embedded database in ${dir} (set DATABASE_URL to use PostgreSQL)\nprivate-groups: No private group has the id no-such-room [error-room-not-found]\n`,
  })
})

t.test('a server killed with SIGKILL leaves a lock the next server takes over', async (t) => {
  const dir = await migratedDataDir(t, 'groups-lock-')
  const killed = await startServer({ DATA_DIR: dir })
  killed.child.kill('SIGKILL')
  await killed.exited
  t.equal(
    JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid,
    killed.child.pid,
    'left behind',
  )

  const next = await startServer({ DATA_DIR: dir })
  t.teardown(() => {
    next.child.kill('SIGKILL')
  })

  t.equal((await fetch(`${next.url}/livez`)).status, 200)
  t.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, next.child.pid)
})
