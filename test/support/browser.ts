import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import type { Test } from 'tap'

/** Debian's chromium; CI installs it (.ci/run). Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium'

/** Headless, and quiet on a machine whose network is closed (no background connections). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A headless chromium page on a fresh profile, closed and removed after the test. */
export async function browserPage(
  t: Test,
  viewport?: { width: number; height: number },
): Promise<Page> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`)
  }
  const profile = mkdtempSync(join(tmpdir(), 'test-browser-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...(viewport ? { viewport } : {}),
  })
  t.teardown(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return context.pages()[0] ?? (await context.newPage())
}
