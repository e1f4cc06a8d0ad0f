/** The OpenAPI security requirement of every route that needs a login. */
export const authenticated = { security: [{ userId: [], authToken: [] }] }
