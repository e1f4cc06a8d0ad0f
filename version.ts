import { existsSync, readFileSync } from 'node:fs'

// This file runs from the project root (sources) or from dist/ (compiled): use the nearest manifest.
const manifest = ['./package.json', '../package.json']
  .map((path) => new URL(path, import.meta.url))
  .find((url) => existsSync(url))

/** The service version from package.json. */
export const version: string = manifest
  ? (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version
  : '0.0.0'
