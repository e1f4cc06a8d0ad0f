import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import t, { type Test } from 'tap'
import { buildApp, testDatabase } from './helper.js'

/** Debian's chromium; CI installs it (.ci/run). Playwright never downloads a browser here. */
const CHROMIUM = '/usr/bin/chromium'

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const screenshot = fileURLToPath(new URL('artifacts/api-docs.png', import.meta.url))

const db = await testDatabase(t)

/** A headless chromium on a fresh profile, closed and removed after the test. */
async function browserPage(t: Test) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`)
  }
  const profile = mkdtempSync(join(tmpdir(), 'docs-browser-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  })
  t.teardown(async () => {
    await context.close()
    rmSync(profile, { recursive: true, force: true })
  })
  return context.pages()[0] ?? (await context.newPage())
}

t.test('the documentation page renders groups.leave and groups.rename in a browser', async (t) => {
  const app = await buildApp(t, db)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const page = await browserPage(t)

  const response = await page.goto(`${baseUrl}/api/docs`)
  t.equal(response?.status(), 200)

  const operation = (path: string) =>
    page.locator('.opblock', { has: page.locator(`.opblock-summary-path[data-path="${path}"]`) })
  const leave = operation('/api/v1/groups.leave')
  const rename = operation('/api/v1/groups.rename')
  await leave.waitFor({ state: 'visible' })
  t.equal(await leave.count(), 1, 'groups.leave is listed once')
  t.equal(await rename.count(), 1, 'groups.rename is listed once')
  t.equal(await leave.locator('.opblock-summary-method').textContent(), 'POST')
  t.equal(await rename.locator('.opblock-summary-method').textContent(), 'POST')

  await leave.locator('.opblock-summary').click()
  const panel = leave.locator('.opblock-body')
  await panel.getByText('"ByehQjC44FwMeiLbX"').first().waitFor({ state: 'visible' })
  const text = await panel.textContent()
  t.match(text, /"_id": "ByehQjC44FwMeiLbX"/, 'the seed group of the example answer')
  t.match(text, /"name": "invite-me"/, 'the seed name of the example answer')
  t.match(text, /"usernames": \[\s*"testing2"\s*\]/, 'the seed members of the example answer')

  mkdirSync(dirname(screenshot), { recursive: true })
  await page.screenshot({ path: screenshot, fullPage: true })
  t.ok(existsSync(screenshot), 'the screenshot is saved')
})
