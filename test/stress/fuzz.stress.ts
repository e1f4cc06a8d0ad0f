import t from 'tap'
import { testDatabase } from '../helper.js'
import { fuzzAllRoutes } from '../support/fuzz.js'
import { fuzzRealtime } from '../support/fuzz-frames.js'

const db = await testDatabase(t)

t.test('many random and hostile requests to every route keep the API contract', async (t) => {
  await fuzzAllRoutes(t, db, Number(process.env.FUZZ_RUNS) || 500)
})

t.test('many random and hostile realtime frames keep the protocol and leak nothing', async (t) => {
  await fuzzRealtime(t, db, Number(process.env.FUZZ_FRAME_RUNS) || 1000)
})
