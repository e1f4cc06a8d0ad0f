// pg's own conversion of a query parameter, which its typings do not declare.
declare module 'pg/lib/utils.js' {
  const utils: {
    /** What pg sends for a parameter: its text, a Buffer (sent as binary), or null. */
    prepareValue(value: unknown): string | Buffer | null | undefined
  }
  export default utils
}
