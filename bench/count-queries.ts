// Preloaded into the service process (`node --import`): the parent asks over IPC for the
// statements the service sent to PostgreSQL since it last asked, starts and takes the capture
// of the units of work it sent (statement-counter.ts), and starts and stops a CPU profile
// (cpu-profile.ts).
import { startProfile, stopProfile } from './cpu-profile.js'
import { countStatements, startCapture, takeCapture, takeStatements } from './statement-counter.js'

countStatements()
process.on('message', (message: string | { profileTo: string }) => {
  if (message === 'statements') process.send?.(takeStatements())
  else if (message === 'capture:start') {
    startCapture()
    process.send?.('capturing')
  } else if (message === 'capture:take') process.send?.(takeCapture())
  else if (message === 'profile:start') void startProfile().then(() => process.send?.('profiling'))
  else if (typeof message === 'object') {
    void stopProfile(message.profileTo).then(() => process.send?.('profiled'))
  }
})
