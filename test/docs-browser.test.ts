// database-free
// The documentation page in a real browser: its look, and one Authorize then "Try it out".
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import t from 'tap'
import { buildApp, createTestUser, embeddedDatabase, projectFile } from './helper.js'
import { browserPage } from './support/browser.js'

const artifact = (name: string) => projectFile('test', 'artifacts', name)
const screenshot = artifact('api-docs.png')

// The page is the subject: the one call it makes goes to an embedded database of its own.
const db = await embeddedDatabase(t)

t.test('the documentation page renders groups.leave and groups.rename in a browser', async (t) => {
  const app = await buildApp(t, db)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const page = await browserPage(t, { width: 1280, height: 900 })

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
  const ok = panel.locator('tr.response[data-code="200"]')
  await ok.getByText('"ByehQjC44FwMeiLbX"').first().waitFor({ state: 'visible' })
  t.match(await ok.textContent(), /Success/, 'the 200 is described')
  const shown = async () =>
    (await ok.locator('.example pre, pre.example').first().textContent()) ?? ''
  t.match(await shown(), /"fname": "team-testing"[\s\S]*"usersCount": 1/, 'our own example first')
  const choice = ok.locator('.examples-select select')
  t.same(
    await choice.locator('option').allTextContents(),
    [
      'What this service answers: the group without the caller',
      "Rocket.Chat's API reference (predates `fname` and `usersCount`, which this service sends)",
    ],
    'the examples are named for what they show',
  )
  await choice.selectOption({ index: 1 })
  await ok.getByText('"invite-me"').first().waitFor({ state: 'visible' })
  const text = await shown()
  t.match(text, /"_id": "ByehQjC44FwMeiLbX"/, 'the seed group of the example answer')
  t.match(text, /"name": "invite-me"/, 'the seed name of the example answer')
  t.match(text, /"usernames": \[\s*"testing2"\s*\]/, 'the seed members of the example answer')

  mkdirSync(dirname(screenshot), { recursive: true })
  await page.screenshot({ path: screenshot, fullPage: true })
  t.ok(existsSync(screenshot), 'the screenshot is saved')
})

t.test('one Authorize sets both login headers, and "Try it out" on me answers 200', async (t) => {
  const app = await buildApp(t, db)
  const user = await createTestUser(db)
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' })
  const page = await browserPage(t, { width: 1280, height: 900 })

  await page.goto(`${baseUrl}/api/docs`)
  t.equal(await page.title(), 'Private groups API', 'the tab names this service')
  const logo = page.locator('.topbar-wrapper a img')
  await logo.waitFor({ state: 'visible' })
  t.match(await logo.getAttribute('src'), /^data:image\/svg\+xml;base64,/, 'our own logo')

  await page.locator('.auth-wrapper button.authorize').click()
  const dialog = page.locator('.modal-ux')
  await dialog.waitFor({ state: 'visible' })
  /** A scheme's input, found by the scheme's name (its description names the other header). */
  const field = (scheme: string) =>
    dialog
      .locator('form > div', {
        has: page.locator('h4 code', { hasText: new RegExp(`^${scheme}$`) }),
      })
      .locator('input')
  t.equal(await dialog.locator('form').count(), 1, 'both login headers are in one form')
  t.equal(await dialog.locator('button.authorize').count(), 1, 'with one Authorize button')
  await field('userId').fill(user.headers['x-user-id'])
  await field('authToken').fill(user.headers['x-auth-token'])
  await dialog.locator('button.authorize').click()
  t.equal(await dialog.locator('button', { hasText: 'Logout' }).count(), 1, 'one press authorized')
  await dialog.locator('button.btn-done').click()

  const me = page.locator('.opblock', {
    has: page.locator('.opblock-summary-path[data-path="/api/v1/me"]'),
  })
  await me.locator('.opblock-summary').click()
  await me.locator('button.try-out__btn').click()
  await me.locator('button.execute').click()
  const status = me.locator('.live-responses-table tbody .response-col_status')
  await status.waitFor({ state: 'visible' })
  t.equal((await status.textContent())?.trim(), '200', 'the page shows a 200')
  const body = await me.locator('.live-responses-table .response-col_description pre').first()
  t.match(await body.textContent(), new RegExp(`"username": "${user.username}"`), 'for this user')

  const shot = artifact('api-docs-try-it-out.png')
  mkdirSync(dirname(shot), { recursive: true })
  await me.screenshot({ path: shot })
  t.ok(existsSync(shot), 'the screenshot is saved')
})
