/** The documentation page's own look (title, logo, icon) and behaviour, for @fastify/swagger-ui. */

const NAME = 'Private groups API'

/** A speech bubble holding a padlock: a private conversation. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32">
<path d="M4 4h24a2 2 0 0 1 2 2v16a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" fill="#2f7dd1"/>
<rect x="11" y="12" width="10" height="8" rx="1" fill="#fff"/>
<path d="M13 12v-2a3 3 0 0 1 6 0v2" fill="none" stroke="#fff" stroke-width="2"/>
</svg>`

const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 240 40" width="240" height="40">
<g transform="translate(0 4)">${ICON.replace(/<\/?svg[^>]*>/g, '')}</g>
<text x="40" y="27" font-family="sans-serif" font-size="19" font-weight="bold" fill="#fff">${NAME}</text>
</svg>`

/**
 * A Swagger UI plugin. Swagger UI's Authorize dialog gives each security scheme a form and a
 * button of its own, so pressing the first Authorize set X-User-Id alone and every call answered
 * 401; with this the two login headers share one form and one Authorize sets both.
 *
 * It runs in the browser: @fastify/swagger-ui copies its source into the page, so it may use
 * nothing from outside its own body.
 */
function oneAuthorizeForm() {
  /** Swagger UI's security definitions to show: an Immutable.js List of Maps, or false. */
  interface Definitions {
    size: number
    clear(): Definitions
    push(definition: Definition): Definitions
    reduce(merge: (all: Definition, next: Definition) => Definition): Definition
  }
  interface Definition {
    merge(other: Definition): Definition
  }
  return {
    statePlugins: {
      auth: {
        wrapActions: {
          showDefinitions:
            (show: (definitions: unknown) => unknown) => (definitions: Definitions | false) => {
              if (!definitions || typeof definitions.reduce !== 'function' || definitions.size < 2)
                return show(definitions)
              return show(
                definitions.clear().push(definitions.reduce((all, next) => all.merge(next))),
              )
            },
        },
      },
    },
  }
}

/** The options @fastify/swagger-ui takes for this page. */
export const swaggerPage = {
  routePrefix: '/api/docs',
  uiConfig: { plugins: [oneAuthorizeForm] },
  logo: { type: 'image/svg+xml', content: LOGO },
  theme: {
    title: NAME,
    favicon: [
      { filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: ICON },
    ],
  },
}
