// The service's CPU profile over one measured window, taken from inside the process through
// the inspector (the preload starts and stops it when the bench asks over IPC), so a profile
// covers the scenario's load and nothing else: not start-up, not the limits measured idle.
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'

let session: Session | undefined

export async function startProfile(): Promise<void> {
  session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
}

/** Stops the profile begun by `startProfile` and writes it (`.cpuprofile` JSON) to `file`. */
export async function stopProfile(file: string): Promise<void> {
  if (!session) throw new Error('no profile started')
  const { profile } = await session.post('Profiler.stop')
  session.disconnect()
  session = undefined
  await writeFile(file, JSON.stringify(profile))
}
