/** A PostgreSQL connection string with its password replaced by `***`, fit for logs and messages. */
export function maskDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return url.replace(/^([^:/]*:\/\/[^:/@]*):[^@]*@/, '$1:***@')
  }
}

interface Target {
  host: string
  port: string
  database: string
  user: string
}

function targetOf(url: string): Target {
  const parsed = new URL(url)
  const user = decodeURIComponent(parsed.username) || process.env.USER || 'postgres'
  return {
    host: parsed.hostname || 'localhost',
    port: parsed.port || '5432',
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user,
    user,
  }
}

/** The error code of a failed connection; a refusal on every address of a host nests its codes. */
function codeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  return error instanceof AggregateError ? codeOf(error.errors[0]) : undefined
}

function cause(error: unknown, target: Target): string | undefined {
  const { host, port, database, user } = target
  const message = error instanceof Error ? error.message : String(error)
  switch (codeOf(error)) {
    case '3D000':
      return `database "${database}" does not exist; create it with: createdb -h ${host} -p ${port} -U postgres ${database}`
    case 'ECONNREFUSED':
      return `nothing listens at ${host}:${port} (connection refused); start PostgreSQL there, or fix the host or port in DATABASE_URL`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host ${host} cannot be resolved; fix the host name in DATABASE_URL`
    case '28000':
      return message.includes('does not exist')
        ? `role "${user}" does not exist; create it with: createuser -h ${host} -p ${port} -U postgres --pwprompt ${user}, or fix the user in DATABASE_URL`
        : `PostgreSQL at ${host}:${port} refused the connection (${message}); allow it in pg_hba.conf, or fix DATABASE_URL`
    case '28P01':
      return `PostgreSQL at ${host}:${port} refused the password of role "${user}"; fix the password in DATABASE_URL`
    case '42501':
      return `role "${user}" may not create or change the tables of database "${database}" (${message}); use the database's owner in DATABASE_URL, or grant the role the rights`
    case '57P03':
    case '53300':
      return `PostgreSQL at ${host}:${port} accepts no connection now (${message}); wait for it, or free connections, then start again`
  }
  if (/connection timeout|timeout expired/i.test(message)) {
    return `no answer from ${host}:${port} within 3 seconds; check that PostgreSQL runs there and that no firewall drops the connection, or fix DATABASE_URL`
  }
  return undefined
}

/**
 * One line saying why the database of `url` cannot be reached or used, and what to do, for an
 * error that means that (refused connection, unknown host, role or database, ...); undefined for
 * any other error.
 */
export function describeConnectionFailure(error: unknown, url: string): string | undefined {
  let target: Target
  try {
    target = targetOf(url)
  } catch {
    return undefined
  }
  const explained = cause(error, target)
  return explained && `DATABASE_URL ${maskDatabaseUrl(url)}: ${explained}`
}
