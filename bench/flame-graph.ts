import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import zeroX from '0x'
import type { Service } from './processes.js'

/** Where `--profile` leaves each scenario's flame graph (HTML) and its `.cpuprofile`. */
const profilesDir = fileURLToPath(new URL('../../bench/results/profiles/', import.meta.url))

/**
 * The files of one scenario's profile: `groups.rename @5000 members` with the label `before`
 * gives `bench/results/profiles/groups.rename-5000-members.before.{cpuprofile,html}`.
 */
export async function profileFiles(scenario: string, label: string) {
  await mkdir(profilesDir, { recursive: true })
  const name = scenario.replace(/[^\w.+]+/g, '-').replace(/-+$/, '')
  const base = join(profilesDir, label ? `${name}.${label}` : name)
  return { profile: `${base}.cpuprofile`, flameGraph: `${base}.html` }
}

/** Draws a `.cpuprofile` as a flame graph: 0x's HTML, one file a browser opens. */
export async function drawFlameGraph(
  files: { profile: string; flameGraph: string },
  title: string,
): Promise<void> {
  await zeroX({
    visualizeCpuProfile: files.profile,
    workingDir: profilesDir,
    outputHtml: files.flameGraph,
    title,
  })
}

/**
 * Runs `measure`, the measured seconds of one scenario, inside a CPU profile of the service
 * when `label` is given (`--profile`), then draws the profile's flame graph.
 */
export async function profiled<T>(
  service: Service,
  scenario: string,
  label: string | undefined,
  measure: () => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  if (label === undefined) return measure()
  const files = await profileFiles(scenario, label)
  await service.startProfile()
  const result = await measure()
  await service.stopProfile(files.profile)
  await drawFlameGraph(files, label ? `${scenario} (${label})` : scenario)
  log(`${scenario}: flame graph in ${files.flameGraph}`)
  return result
}
