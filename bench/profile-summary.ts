// `node dist/bench/profile-summary.js <file.cpuprofile> [top]`: where a CPU profile written by
// `node --cpu-prof` (or the bench's `--profile`) spent its time: by stage of a request, by
// package (or Node's internals) and by function (self time).
import { readFile } from 'node:fs/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
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

/**
 * The stages of a request, each recognized by a frame: a sample counts for the stage of the
 * innermost frame that names one, so a socket write under pg's query is the driver's and one
 * under the HTTP response is the framework's, and Kysely's executor waiting on pg is not query
 * building.
 */
const STAGES: Array<[stage: string, test: (url: string, name: string) => boolean]> = [
  ['logging', (url) => /node_modules\/(pino|@pinojs|sonic-boom|pino-std-serializers)\//.test(url)],
  ['metrics', (url) => /node_modules\/prom-client\/|\/dist\/plugins\/app\/[\w-]*metrics/.test(url)],
  [
    'rate limit',
    (url) => /node_modules\/@fastify\/rate-limit\/|\/dist\/plugins\/app\/rate-limit/.test(url),
  ],
  ['auth', (url) => /\/dist\/(plugins\/app\/auth|domain\/auth\/)/.test(url)],
  [
    'validation',
    (url, name) =>
      /node_modules\/(ajv|ajv-formats|fast-uri)\/|\/dist\/plugins\/app\/validation/.test(url) ||
      (!url && /^validate\d*$/.test(name)),
  ],
  [
    'serialization',
    (url) =>
      /node_modules\/fast-json-stringify\/|\/dist\/(plugins\/app\/json|routes\/.*reply)/.test(url),
  ],
  ['query building', (url) => /node_modules\/kysely\//.test(url)],
  [
    'driver',
    (url) =>
      /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[\w-]+)\/|\/dist\/db\/(pg-client|prepared-statements)/.test(
        url,
      ),
  ],
  ['bench instruments', (url) => /\/dist\/bench\//.test(url)],
  [
    'hooks',
    (url) => /node_modules\/(helmet|@fastify\/helmet|@fastify\/cors)\/|\/dist\/plugins\//.test(url),
  ],
  ['routes, domain', (url) => /\/dist\/(routes|domain|db)\//.test(url)],
  [
    'framework (fastify, node:http)',
    (url) =>
      /node_modules\/(fastify|find-my-way|fast-querystring|@fastify\/[\w-]+)\/|^node:_http_/.test(
        url,
      ),
  ],
]

/** The stage of a sample: of its innermost frame that names one, else the V8 pseudo-frame. */
function stageOf(id: number, nodes: Map<number, ProfileNode>, parents: Map<number, number>) {
  const leaf = nodes.get(id)?.callFrame.functionName ?? ''
  if (leaf.startsWith('(')) return leaf
  for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
    const frame = nodes.get(at)?.callFrame
    if (!frame) break
    const stage = STAGES.find(([, test]) => test(frame.url, frame.functionName))
    if (stage) return stage[0]
  }
  return 'other (node internals, microtasks)'
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
const byStage = new Map<string, number>()
const parents = new Map<number, number>()
for (const node of profile.nodes)
  for (const child of node.children ?? []) parents.set(child, node.id)
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
  const stage = stageOf(id, nodes, parents)
  byStage.set(stage, (byStage.get(stage) ?? 0) + micros)
})
const busy = Math.max(1, total - idle)
const write = (line: string) => process.stdout.write(`${line}\n`)
write(
  `${(total / 1e6).toFixed(1)} s sampled, ${((100 * idle) / Math.max(1, total)).toFixed(1)}% idle; columns: self time, % of all, % of busy`,
)
write('\nby stage of a request (innermost frame that names one):')
for (const line of table([...byStage], total, busy, top)) write(line)
write('\nby package or area:')
for (const line of table([...byArea], total, busy, top)) write(line)
write('\nby function (self time):')
for (const line of table([...byFunction], total, busy, top)) write(line)
