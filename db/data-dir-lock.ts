import { randomUUID } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join, resolve } from 'node:path'

/** The file inside DATA_DIR naming the process that has the embedded database open. */
export const LOCK_FILE = 'private-groups.lock'

interface LockHolder {
  pid: number
  host: string
  startedAt: string
}

/** Another live process has the embedded database under this directory open. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    const where = holder.host === hostname() ? '' : ` on host ${holder.host}`
    super(
      `DATA_DIR ${dataDir} is in use by process ${holder.pid}${where} (another server or tool on the same embedded database); stop it, or set DATA_DIR to another directory`,
    )
  }
}

export interface DataDirLock {
  /** Gives the directory up; safe to call more than once. */
  release(): void
}

// Opening the same directory twice in one process would corrupt it as surely as two processes.
const heldHere = new Set<string>()

function readHolder(path: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>
    if (typeof holder.pid !== 'number') return undefined
    return { pid: holder.pid, host: String(holder.host), startedAt: String(holder.startedAt) }
  } catch {
    // Unreadable (emptied or damaged by hand, say): nobody holds it.
    return undefined
  }
}

function removeIfPresent(path: string) {
  try {
    unlinkSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
}

function isAlive(holder: LockHolder): boolean {
  // A pid from another machine (a volume shared with another container) cannot be checked here.
  if (holder.host !== hostname()) return true
  // Our own pid in a lock we do not hold is a leftover from an earlier life (a restarted container).
  if (holder.pid === process.pid) return false
  try {
    process.kill(holder.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the embedded database's directory for this process, or throws DataDirInUseError naming
 * the live process that has it. A lock left by a process that died without releasing it is taken
 * over. Released by `release()`, else when this process exits.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const directory = resolve(dataDir.replace(/^file:\/\//, ''))
  const path = join(directory, LOCK_FILE)
  const self: LockHolder = {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date(Date.now() - process.uptime() * 1000).toISOString(),
  }
  if (heldHere.has(directory)) throw new DataDirInUseError(dataDir, self)
  mkdirSync(directory, { recursive: true })
  // Written whole under a name of our own, then linked into place: the lock never exists half
  // written, so a process that finds it unreadable knows it is garbage, not a rival mid-write.
  const draft = `${path}.${process.pid}.${randomUUID()}`
  writeFileSync(draft, `${JSON.stringify(self)}\n`)
  try {
    for (;;) {
      try {
        linkSync(draft, path)
        break
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const holder = readHolder(path)
      if (holder && isAlive(holder)) throw new DataDirInUseError(dataDir, holder)
      removeIfPresent(path)
    }
  } finally {
    removeIfPresent(draft)
  }
  heldHere.add(directory)
  let held = true
  const release = () => {
    if (!held) return
    held = false
    heldHere.delete(directory)
    process.off('exit', release)
    removeIfPresent(path)
  }
  process.on('exit', release)
  return { release }
}
