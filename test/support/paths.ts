import { existsSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The checkout's root folder: the nearest one above this file with a package.json. Tests find
 * the project's files from here, since they run from test/ (one file with tap) or compiled in
 * dist/test/ (`npm test`).
 */
export const projectRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('no package.json above the test support files')
    dir = parent
  }
  return dir
})()

/** A path in the checkout, from its root: `projectFile('dist', 'server.js')`. */
export const projectFile = (...parts: string[]) => join(projectRoot, ...parts)

/** Every TypeScript file under a folder of the checkout, as paths from its root (`routes/a.ts`). */
export function sourceFiles(dir: string): string[] {
  return readdirSync(projectFile(dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}
