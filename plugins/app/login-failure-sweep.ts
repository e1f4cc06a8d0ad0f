import fp from 'fastify-plugin'
import { deleteExpiredLoginFailures } from '../../db/queries/login-failures.js'
import { sweepEveryMinute } from './sweep.js'

/** Deletes the failed-login counters (domain/auth/brute-force.ts) whose window has closed. */
export default fp(
  async (app) => {
    sweepEveryMinute(app, 'login-failure counters', () => deleteExpiredLoginFailures(app.db))
  },
  { name: 'login-failure-sweep', dependencies: ['database'] },
)
