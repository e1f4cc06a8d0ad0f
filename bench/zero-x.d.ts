// The part of 0x's programmatic API the bench uses (the package ships no typings).
declare module '0x' {
  interface ZeroXOptions {
    /** A `.cpuprofile` (as `node --cpu-prof` or the inspector writes) to draw. */
    visualizeCpuProfile: string
    workingDir: string
    /** Where the HTML goes. */
    outputHtml: string
    title: string
  }
  /** Writes the flame graph and returns its `file://` URL. */
  export default function zeroX(options: ZeroXOptions): Promise<string>
}
