// database-free
// The one-line explanations of a database that cannot be reached or used, for the failures a
// local PostgreSQL cannot be made to produce (it trusts every login here).
import t from 'tap'
import { describeConnectionFailure, maskDatabaseUrl } from '../../db/connection-failure.js'

const url = 'postgres://app:s3cret@db.example:6543/groups'
const failed = (code: string | undefined, message = '') =>
  Object.assign(new Error(message), code === undefined ? {} : { code })

t.test('the password is masked wherever the URL is shown', async (t) => {
  t.equal(maskDatabaseUrl(url), 'postgres://app:***@db.example:6543/groups')
  t.equal(maskDatabaseUrl('postgres://app@db/groups'), 'postgres://app@db/groups')
  t.equal(maskDatabaseUrl('pg://app:s3cret@db'), 'pg://app:***@db', 'even in a malformed URL')
})

t.test('each failure in words, with its fix', async (t) => {
  const cases: Array<[Error, string]> = [
    [
      failed('28P01', 'password authentication failed for user "app"'),
      'PostgreSQL at db.example:6543 refused the password of role "app"; fix the password in DATABASE_URL',
    ],
    [
      failed('28000', 'no pg_hba.conf entry for host "10.0.0.1"'),
      'PostgreSQL at db.example:6543 refused the connection (no pg_hba.conf entry for host "10.0.0.1"); allow it in pg_hba.conf, or fix DATABASE_URL',
    ],
    [
      failed(undefined, 'Connection terminated due to connection timeout'),
      'no answer from db.example:6543 within 3 seconds; check that PostgreSQL runs there and that no firewall drops the connection, or fix DATABASE_URL',
    ],
    [
      new AggregateError([failed('ECONNREFUSED'), failed('ECONNREFUSED')], ''),
      'nothing listens at db.example:6543 (connection refused); start PostgreSQL there, or fix the host or port in DATABASE_URL',
    ],
    [
      failed('EAI_AGAIN'),
      'the host db.example cannot be resolved; fix the host name in DATABASE_URL',
    ],
    [
      failed('42501', 'permission denied for schema public'),
      'role "app" may not create or change the tables of database "groups" (permission denied for schema public); use the database\'s owner in DATABASE_URL, or grant the role the rights',
    ],
  ]
  for (const [error, cause] of cases) {
    t.equal(
      describeConnectionFailure(error, url),
      `DATABASE_URL postgres://app:***@db.example:6543/groups: ${cause}`,
    )
  }
})

t.test('other errors, and the embedded database, are left to their own reporting', async (t) => {
  t.equal(describeConnectionFailure(failed('23505', 'duplicate key'), url), undefined)
  t.equal(describeConnectionFailure(new Error('bug'), url), undefined)
  t.equal(describeConnectionFailure(failed('ECONNREFUSED'), ''), undefined)
})
