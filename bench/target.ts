/** One figure the bench is held to, what it reached, and whether that meets it. */
export interface Target {
  target: string
  reached: string
  met: boolean
}
