// Plain JavaScript, so it runs before anything is built. `npm run build` compiles dist/ and
// stamps it; `npm start` runs it with --for-start: a bad setting is reported within a second, and
// dist/ is rebuilt only when a source changed since the last build. `npm test` runs it with
// --with-tests: the whole project (tsconfig.json, tests and bench included) is type-checked and
// compiled in the same pass.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stamp = join(root, 'dist', '.build-stamp')
const checkConfig = join(root, 'dist', 'scripts', 'check-config.js')
const withTests = process.argv.includes('--with-tests')

/** Newest modification time of the files the build reads: what tsconfig.build.json includes. */
function newestSource() {
  const { include } = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8'))
  let newest = 0
  const visit = (path) => {
    const stats = statSync(path, { throwIfNoEntry: false })
    if (!stats) return
    if (stats.isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry))
    } else if (path.endsWith('.ts')) {
      newest = Math.max(newest, stats.mtimeMs)
    }
  }
  for (const pattern of include) {
    if (pattern === '*.ts') {
      for (const entry of readdirSync(root)) if (entry.endsWith('.ts')) visit(join(root, entry))
    } else {
      visit(join(root, pattern))
    }
  }
  for (const entry of readdirSync(root)) {
    if (entry === 'package.json' || /^tsconfig.*\.json$/.test(entry)) {
      newest = Math.max(newest, statSync(join(root, entry)).mtimeMs)
    }
  }
  return newest
}

/** Runs the compiled settings check; its message, or undefined when the settings are valid. */
function configError() {
  const outcome = spawnSync(process.execPath, [checkConfig], { encoding: 'utf8' })
  return outcome.status === 0
    ? undefined
    : outcome.stderr || `settings check failed (${outcome.status})\n`
}

function build() {
  const startedAt = new Date()
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  // With the tests, incremental: after a change only what it touches is checked and emitted again
  // (the record lives in dist/, so a removed dist/ is rebuilt whole).
  const project = withTests
    ? ['-p', 'tsconfig.json', '--incremental', '--tsBuildInfoFile', 'dist/.tests.tsbuildinfo']
    : ['-p', 'tsconfig.build.json']
  const outcome = spawnSync(process.execPath, [tsc, ...project], {
    cwd: root,
    stdio: 'inherit',
  })
  if (outcome.status !== 0) process.exit(outcome.status ?? 1)
  // Dated when the build began, so a file saved while it ran counts as changed next time.
  writeFileSync(stamp, `${startedAt.toISOString()}\n`)
  utimesSync(stamp, startedAt, startedAt)
}

function stopIf(error) {
  if (!error) return
  process.stderr.write(error)
  process.exit(1)
}

const mtime = (path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs ?? 0

if (!process.argv.includes('--for-start')) {
  build()
} else {
  const builtAt = mtime('dist/.build-stamp')
  if (existsSync(checkConfig)) {
    const error = configError()
    // The compiled check is current unless the settings' own rules changed since the build.
    const rulesChanged = Math.max(mtime('config.ts'), mtime('scripts/check-config.ts')) > builtAt
    if (!rulesChanged) stopIf(error)
  }
  if (newestSource() > builtAt) {
    process.stderr.write('building dist/: sources changed since the last build\n')
    build()
    stopIf(configError())
  }
}
