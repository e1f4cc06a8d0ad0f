// `npm test`: lint, one compile of everything (the type-check and the build in one: dist/ then
// holds the tests too, so no test process loads TypeScript), then the suite in passes:
//   database-free  the test files whose header says `// database-free`, once;
//   embedded       every other test file, each on its own in-memory PGlite;
//   PostgreSQL     those same files again on the server of TEST_DATABASE_URL, when it is set.
// The PostgreSQL pass runs beside the other two (which run one after the other), in a tap project
// of its own under .tap/passes/, with its output shown when it ends: on two cores its files wait
// on the server much of the time, and the CPU they leave idle goes to the embedded files. Coverage is measured in the database-free and embedded passes and reported
// once for both. At the end it prints each phase's time, each pass's counts and its slowest files
// (all files' times are written to .tap/test-times.json); the exit code is non-zero if anything
// failed.
//
//   npm test                                    everything
//   npm test -- test/config.test.ts …          only these files, in the passes they belong to
//   TEST_PASSES=embedded,postgres npm test      only these passes (database-free, embedded, postgres)
//   TEST_JOBS=3 npm test                        test files run at once in each pass (default: see `jobs`)
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name) => join(root, 'node_modules', '.bin', name)
const postgresUrl = process.env.TEST_DATABASE_URL ?? ''
// One more file than cores: a test file spends part of its time waiting on a server process,
// PostgreSQL or a browser, and the CPU it leaves idle is taken by the next one.
const jobs = Number(process.env.TEST_JOBS) || availableParallelism() + 1
// The PostgreSQL pass, beside the others, takes what they leave idle: one job fewer.
const jobsBeside = Math.max(1, jobs - 1)
const wanted = new Set(
  (process.env.TEST_PASSES ?? 'database-free,embedded,postgres').split(',').filter(Boolean),
)
const phases = []

/** A file's line in tap's own report: `ok 3 - dist/test/a.test.js # time=812.5ms`. */
const FILE_LINE = /^(?:not )?ok \d+ - dist\/(test\/\S+)\.js\b.*# time=([\d.]+)ms/
/** tap's closing count line: `# { total: 10, pass: 9, fail: 1, skip: 0 }`. */
const COUNT_LINE = /^# \{ total: /

/**
 * Runs a command with its output shown as it comes, or, with `held`, all at once when it ends (a
 * pass that runs beside another). Resolves with its exit code, the last count line it printed,
 * and the time of each test file it reported.
 */
function run(command, args, env = {}, { cwd = root, held = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', held ? 'pipe' : 'inherit'],
    })
    const times = {}
    const kept = []
    let countLine = ''
    let partial = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk) => {
      if (held) kept.push(chunk)
      else process.stdout.write(chunk)
      const lines = (partial + chunk).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const file = FILE_LINE.exec(line)
        if (file) times[`${file[1]}.ts`] = Number(file[2]) / 1000
        if (COUNT_LINE.test(line)) countLine = line
      }
    })
    child.stderr?.setEncoding('utf8').on('data', (chunk) => kept.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const output = kept.join('')
      resolve({ code: code ?? (signal ? 1 : 0), ...counts(countLine), times, output })
    })
  })
}

function counts(line) {
  const found = {}
  for (const [, key, value] of line.matchAll(/(\w+): (\d+)/g)) found[key] = Number(value)
  return found
}

async function phase(name, work, { held = false } = {}) {
  if (!held) process.stdout.write(`\n== ${name}\n`)
  const startedAt = performance.now()
  const outcome = await work()
  if (held) process.stdout.write(`\n== ${name}\n${outcome.output}`)
  phases.push({ name, seconds: (performance.now() - startedAt) / 1000, ...outcome })
  return outcome
}

/** `test/a/b.test.ts` → `dist/test/a/b.test.js`: the compiled file tap runs. */
const compiled = (file) => join('dist', file.replace(/\.ts$/, '.js'))

function testFiles(dir = 'test') {
  const files = []
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) files.push(...testFiles(path))
    else if (entry.name.endsWith('.test.ts')) files.push(path)
  }
  return files.sort()
}

/** A file that needs no database says so in its header: a line `// database-free` before any code. */
function isDatabaseFree(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n')
  const header = lines.slice(
    0,
    lines.findIndex((line) => line && !line.startsWith('//')),
  )
  return header.some((line) => /^\/\/ database-free\b/.test(line))
}

/**
 * A folder of its own for a pass run apart from this project: tap keeps its state (coverage,
 * process info, results) in `.tap/` of the project it runs in and empties it as it starts, so a
 * second tap at once runs in a project of its own, which reaches the build through a link and
 * reads the same settings.
 */
function sideProject(name) {
  const dir = join(root, '.tap', 'passes', name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'package.json'), '{ "private": true }\n')
  rmSync(join(dir, 'dist'), { force: true })
  symlinkSync(join(root, 'dist'), join(dir, 'dist'))
  return dir
}

async function tapPass(name, files, env, { cover, beside = false, apart = beside, count = jobs }) {
  const title = `${name} pass: ${files.length} files, ${count} at a time${beside ? ', beside the others' : ''}`
  return phase(
    title,
    async () => {
      // The runner reports coverage itself, once for both covered passes (tap's own report of a
      // pass in a project of its own would look for it in that project's .tap/).
      const coverage = cover
        ? ['--coverage-report=none', ...(apart ? ['--allow-empty-coverage'] : [])]
        : ['--disable-coverage']
      const outcome = await run(
        bin('tap'),
        [`--jobs=${count}`, ...coverage, ...files.map(compiled)],
        { ...env, TEST_PASS: name, ...(apart && { TAP_RCFILE: join(root, '.taprc') }) },
        apart ? { cwd: sideProject(name), held: beside } : {},
      )
      return { ...outcome, files: files.length, tap: true }
    },
    { held: beside },
  )
}

const coverage = join(root, '.tap', 'coverage')

/**
 * Adds what a pass run in its own project measured to this project's coverage, kept to the files
 * this project's own runs keep: the build's, not the tests' nor the dependencies'.
 */
function addCoverage(project) {
  const from = join(project, '.tap', 'coverage')
  if (!existsSync(from)) return
  const build = `${pathToFileURL(join(root, 'dist')).href}/`
  const ours = (url) => url.startsWith(build) && !url.startsWith(`${build}test/`)
  mkdirSync(coverage, { recursive: true })
  for (const file of readdirSync(from)) {
    const measured = JSON.parse(readFileSync(join(from, file), 'utf8'))
    measured.result = measured.result.filter((script) => ours(script.url))
    const maps = measured['source-map-cache'] ?? {}
    for (const url of Object.keys(maps)) if (!ours(url)) delete maps[url]
    writeFileSync(join(coverage, file), JSON.stringify(measured))
  }
}

process.stdout.write(`node ${process.version} on ${availableParallelism()} CPUs\n`)
const only = process.argv.slice(2).map((file) => relative(root, join(process.cwd(), file)))
const all = only.length ? only : testFiles()
const free = all.filter(isDatabaseFree)
const withDatabase = all.filter((file) => !free.includes(file))

/** Compiled test files whose source is gone (the compile is incremental and removes nothing). */
function pruneCompiledTests(dir = 'dist/test') {
  if (!existsSync(join(root, dir))) return
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) pruneCompiledTests(path)
    else if (!existsSync(join(root, path.replace(/^dist\//, '').replace(/\.js(\.map)?$/, '.ts')))) {
      rmSync(join(root, path))
    }
  }
}

const lint = await phase('lint', () => run(bin('biome'), ['check', '.']))
pruneCompiledTests()
const build = await phase('type-check and compile (dist/, tests included)', () =>
  run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--with-tests']),
)
if (lint.code !== 0 || build.code !== 0) process.exit(1)

// Compiled module code is cached across test processes (Node 22 and later). glibc's malloc asks
// for transparent huge pages: V8 allocates several hundred MB while it optimizes PGlite's
// largest WebAssembly functions, in every test process, and in 4 KB pages the page faults alone
// cost about a second of CPU per process (a third of an embedded file's fixed cost).
const cache = {
  NODE_COMPILE_CACHE: join(root, 'node_modules', '.cache', 'private-groups', 'v8'),
  GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1',
}
const embedded = { ...cache, TEST_DATABASE_URL: '' }

const runsPostgres = wanted.has('postgres') && withDatabase.length > 0 && postgresUrl !== ''
// tap rebuilds its test class for the configured plugins when they are not the ones it was built
// with (after every `npm ci`); three taps starting at once would each rebuild it over the others'.
// So it is built here first, once per install and set of settings.
const tapBuilt = join(
  root,
  'node_modules',
  '.cache',
  'private-groups',
  `tap-built-${createHash('sha256')
    .update(readFileSync(join(root, '.taprc')))
    .update(readFileSync(join(root, 'node_modules', 'tap', 'package.json')))
    .digest('hex')
    .slice(0, 16)}`,
)
if (!existsSync(tapBuilt)) {
  const built = await phase('tap built for the configured plugins', () =>
    run(bin('tap'), ['build']),
  )
  if (built.code !== 0) process.exit(1)
  mkdirSync(dirname(tapBuilt), { recursive: true })
  writeFileSync(tapBuilt, '')
}

const templates = () =>
  run(process.execPath, [join(root, 'scripts', 'test-templates.mjs')], {
    TEST_DATABASE_URL: runsPostgres ? postgresUrl : '',
  })
if ((await phase('the migrated templates the tests copy', templates)).code !== 0) process.exit(1)

// The PostgreSQL pass runs beside the others.
const beside = []
if (wanted.has('postgres') && withDatabase.length) {
  if (postgresUrl) {
    beside.push(
      tapPass('postgres', withDatabase, cache, { cover: false, beside: true, count: jobsBeside }),
    )
  } else {
    process.stdout.write('\n== postgres pass skipped: set TEST_DATABASE_URL to run it\n')
  }
}
// The database-free pass runs first, in a project of its own (the embedded pass empties this
// one's coverage as it starts): its files start servers, a browser and the compiler, and beside
// the embedded pass as well they slowed the whole run.
const runsFree = wanted.has('database-free') && free.length > 0
if (runsFree) await tapPass('database-free', free, embedded, { cover: true, apart: true })
if (wanted.has('embedded') && withDatabase.length) {
  await tapPass('embedded', withDatabase, embedded, { cover: true })
} else {
  rmSync(coverage, { recursive: true, force: true })
}
await Promise.all(beside)
if (runsFree) addCoverage(join(root, '.tap', 'passes', 'database-free'))
if (existsSync(coverage)) {
  const report = () => run(bin('tap'), ['report', 'text-summary'])
  await phase('coverage report of the database-free and embedded passes', report)
}

const column = (value, width) => String(value ?? 0).padStart(width)
process.stdout.write('\n== summary\n')
phases.push({
  name: 'whole run',
  seconds: performance.now() / 1000,
  code: phases.some((each) => each.code !== 0) ? 1 : 0,
})
for (const { name, seconds, code, tap, files, total, pass, fail, skip } of phases) {
  const figures = tap
    ? `${column(files, 3)} files ${column(total, 6)} assertions: ${column(pass, 6)} pass ${column(fail, 3)} fail ${column(skip, 3)} skip`
    : ''
  const status = code === 0 ? 'ok    ' : 'FAILED'
  process.stdout.write(
    `${name.split(':')[0].padEnd(48)} ${column(seconds.toFixed(1), 6)} s  ${status} ${figures}\n`,
  )
}
const times = Object.fromEntries(
  phases.filter((each) => each.tap).map((each) => [each.name.split(' ')[0], each.times]),
)
mkdirSync(join(root, '.tap'), { recursive: true })
writeFileSync(join(root, '.tap', 'test-times.json'), `${JSON.stringify(times, null, 2)}\n`)
for (const [pass, byFile] of Object.entries(times)) {
  const slowest = Object.entries(byFile)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 6)
    .map(([file, seconds]) => `${file.replace(/^test\//, '')} ${seconds.toFixed(1)} s`)
  process.stdout.write(`slowest, ${pass}: ${slowest.join(', ')}\n`)
}
process.exit(phases.some((each) => each.code !== 0) ? 1 : 0)
