/** The text of elkjs's worker script, inlined by build.mjs. */
declare module 'elk-worker-source' {
  const source: string;
  export default source;
}

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
