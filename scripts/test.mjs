// `npm test`: lint, one compile of everything (the type-check and the build in one: dist/ then
// holds the tests too, so no test process loads TypeScript), then the suite in passes:
//   database-free  the test files whose header says `// database-free`, once;
//   embedded       every other test file, each on its own in-memory PGlite;
//   PostgreSQL     those same files again on the server of TEST_DATABASE_URL, when it is set.
// Coverage is measured in the first two passes and reported once for both. Each pass's counts
// and each phase's time are printed at the end; the exit code is non-zero if anything failed.
//
//   npm test                                    everything
//   npm test -- test/config.test.ts …          only these files, in the passes they belong to
//   TEST_PASSES=embedded,postgres npm test      only these passes (database-free, embedded, postgres)
//   TEST_JOBS=3 npm test                        test files run at once (default: the CPU count)
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const bin = (name) => join(root, 'node_modules', '.bin', name)
const postgresUrl = process.env.TEST_DATABASE_URL ?? ''
const jobs = Number(process.env.TEST_JOBS) || availableParallelism()
const wanted = new Set(
  (process.env.TEST_PASSES ?? 'database-free,embedded,postgres').split(',').filter(Boolean),
)
const phases = []

/** Runs a command with the output shown; resolves with its exit code and its last lines. */
function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let tail = ''
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      tail = (tail + chunk).slice(-4096)
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), tail }))
  })
}

async function phase(name, work) {
  process.stdout.write(`\n== ${name}\n`)
  const startedAt = performance.now()
  const outcome = await work()
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

/** tap's closing count line: `# { total: 10, pass: 9, fail: 1, skip: 0 }`. */
function counts(tail) {
  const line = tail.split('\n').findLast((candidate) => candidate.startsWith('# { total'))
  const found = {}
  for (const [, key, value] of line?.matchAll(/(\w+): (\d+)/g) ?? []) found[key] = Number(value)
  return found
}

const coverage = join(root, '.tap', 'coverage')
const keptCoverage = join(root, '.tap', 'coverage-database-free')

async function tapPass(name, files, env, { cover }) {
  return phase(`${name} pass: ${files.length} files, ${jobs} at a time`, async () => {
    const args = [
      `--jobs=${jobs}`,
      ...(cover ? ['--coverage-report=none'] : ['--disable-coverage']),
    ]
    const { code, tail } = await run(bin('tap'), [...args, ...files.map(compiled)], env)
    return { code, files: files.length, ...counts(tail) }
  })
}

process.stdout.write(`node ${process.version}, ${availableParallelism()} CPUs\n`)
const only = process.argv.slice(2).map((file) => relative(root, join(process.cwd(), file)))
const all = only.length ? only : testFiles()
const free = all.filter(isDatabaseFree)
const withDatabase = all.filter((file) => !free.includes(file))

const lint = await phase('lint', () => run(bin('biome'), ['check', '.']))
rmSync(join(root, 'dist', 'test'), { recursive: true, force: true })
const build = await phase('type-check and compile (dist/, tests included)', () =>
  run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--with-tests']),
)
if (lint.code !== 0 || build.code !== 0) process.exit(1)

// Compiled module code is cached across test processes (Node 22 and later).
const common = { NODE_COMPILE_CACHE: join(root, 'node_modules', '.cache', 'private-groups', 'v8') }
/** Moves tap's raw coverage files from one folder into another (made if need be). */
function moveCoverage(from, to) {
  if (!existsSync(from)) return
  mkdirSync(to, { recursive: true })
  for (const file of readdirSync(from)) renameSync(join(from, file), join(to, file))
  rmSync(from, { recursive: true, force: true })
}

// tap empties .tap/coverage as each run starts: what a pass measured is kept aside meanwhile.
rmSync(keptCoverage, { recursive: true, force: true })
const embeddedEnv = { ...common, TEST_DATABASE_URL: '' }
if (wanted.has('database-free') && free.length) {
  const env = { ...embeddedEnv, TEST_PASS: 'database-free' }
  await tapPass('database-free', free, env, { cover: true })
  moveCoverage(coverage, keptCoverage)
}
if (wanted.has('embedded') && withDatabase.length) {
  const env = { ...embeddedEnv, TEST_PASS: 'embedded' }
  await tapPass('embedded', withDatabase, env, { cover: true })
}
moveCoverage(keptCoverage, coverage)
if (existsSync(coverage)) {
  const report = () => run(bin('tap'), ['report', 'text-summary'])
  await phase('coverage of the first two passes', report)
  moveCoverage(coverage, keptCoverage)
}
if (wanted.has('postgres') && withDatabase.length) {
  if (postgresUrl) {
    const env = { ...common, TEST_PASS: 'postgres' }
    await tapPass('PostgreSQL', withDatabase, env, { cover: false })
  } else {
    process.stdout.write('\n== PostgreSQL pass skipped: set TEST_DATABASE_URL to run it\n')
  }
}
// Left in .tap/coverage for `npx tap report html` and the like.
moveCoverage(keptCoverage, coverage)

process.stdout.write('\n== summary\n')
const column = (value, width) => String(value ?? '').padStart(width)
for (const { name, seconds, code, files, total, pass, fail, skip } of phases) {
  const figures =
    total === undefined
      ? ''
      : `${column(files, 4)} files ${column(total, 6)} assertions ${column(pass, 6)} pass ${column(fail ?? 0, 3)} fail ${column(skip ?? 0, 3)} skip`
  process.stdout.write(
    `${name.split(':')[0].padEnd(48)} ${column(seconds.toFixed(1), 7)} s  ${code === 0 ? 'ok    ' : 'FAILED'} ${figures}\n`,
  )
}
process.exit(phases.some((each) => each.code !== 0) ? 1 : 0)
