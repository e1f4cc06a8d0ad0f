/** What the API documentation says of one endpoint, beside its schemas. */
export interface EndpointDoc {
  tag: 'Groups' | 'Members and roles' | 'Realtime' | 'Authentication' | 'Administration' | 'Server'
  summary: string
  /** Markdown; `{refusals}` marks where the route's refusals are listed (else they come last). */
  description: string
}
