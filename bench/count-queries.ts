// Preloaded into the service process (`node --import`): the parent asks over IPC for the
// statements the service sent to PostgreSQL since it last asked.
import { countStatements, takeStatements } from './statement-counter.js'

countStatements()
process.on('message', (message) => {
  if (message === 'statements') process.send?.(takeStatements())
})
