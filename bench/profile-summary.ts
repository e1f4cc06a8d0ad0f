// `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: where a CPU profile written by
// `node --cpu-prof` spent its time, by package (or Node's internals) and by function (self time).
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

/** The package a script belongs to, Node's own code, the service's, or a V8 pseudo-frame. */
function areaOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node internals'
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inModules?.[1]) return inModules[1]
  const inDist = /\/dist\/(.+)$/.exec(url)
  return inDist?.[1] ? `service: ${inDist[1].split('/')[0]}` : url
}

/** A script's path from its package (`kysely/dist/…`) or from the compiled service's root. */
function shortUrl(url: string): string {
  const inModules = url.lastIndexOf('node_modules/')
  if (inModules >= 0) return url.slice(inModules + 'node_modules/'.length)
  return url.replace(/^.*\/dist\//, '')
}

function table(rows: Array<[string, number]>, total: number, busy: number, top: number) {
  return rows
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([name, micros]) =>
        `${(micros / 1000).toFixed(0).padStart(8)} ms ${((100 * micros) / total).toFixed(1).padStart(5)}% ${((100 * micros) / busy).toFixed(1).padStart(5)}%  ${name}`,
    )
}

const [file, topArgument] = process.argv.slice(2)
if (!file) {
  process.stderr.write('usage: profile-summary <file.cpuprofile> [top]\n')
  process.exit(2)
}
const top = Number(topArgument ?? 25)
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const byFunction = new Map<string, number>()
const byArea = new Map<string, number>()
let total = 0
let idle = 0
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index] ?? 0
  const frame = nodes.get(id)?.callFrame
  if (!frame) return
  total += micros
  if (frame.functionName === '(idle)') idle += micros
  const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ''
  const name = `${frame.functionName || '(anonymous)'} ${where}`.trim()
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros)
  const area = areaOf(frame)
  byArea.set(area, (byArea.get(area) ?? 0) + micros)
})
const busy = Math.max(1, total - idle)
const write = (line: string) => process.stdout.write(`${line}\n`)
write(
  `${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / Math.max(1, total)).toFixed(1)}% idle; columns: self time, % of all, % of busy`,
)
write('\nby package or area:')
for (const line of table([...byArea], total, busy, top)) write(line)
write('\nby function (self time):')
for (const line of table([...byFunction], total, busy, top)) write(line)
