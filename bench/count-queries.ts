// Preloaded into the service process (`node --import`): the parent asks over IPC for the
// statements the service sent to PostgreSQL since it last asked, and starts and takes the
// capture of the units of work it sent (statement-counter.ts).
import { countStatements, startCapture, takeCapture, takeStatements } from './statement-counter.js'

countStatements()
process.on('message', (message) => {
  if (message === 'statements') process.send?.(takeStatements())
  else if (message === 'capture:start') {
    startCapture()
    process.send?.('capturing')
  } else if (message === 'capture:take') process.send?.(takeCapture())
})
