/**
 * Results of running a model. Plain JSON (no classes, no bigint) so they cross the worker boundary and
 * are printed as is by `modellens bench-model --json`.
 */

export type RuntimeName = 'onnxruntime-node' | 'tfjs';

export interface BenchOptions {
  /** Timed runs (default 20). */
  runs?: number;
  /** Untimed runs before timing: first runs pay allocation and kernel selection (default 3). */
  warmup?: number;
  /** Values for the symbolic input dims, e.g. { batch: 1, sequence: 128 }. */
  dims?: Record<string, number>;
  /** Seed of the input PRNG: the same seed gives the same inputs (compareModels relies on it). */
  seed?: number;
  /** Collect per-node times (ORT profiler, tfjs layer-by-layer). Default true. */
  perNode?: boolean;
  /** ORT intra-op threads; undefined keeps ORT's default (one per physical core). */
  threads?: number;
  /** ORT graph optimisation level (default 'all', what a deployment uses). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Roofline estimate: 'auto' calibrates (or reads the cache), false skips, or a given profile. */
  roofline?: 'auto' | false | DeviceProfile;
  /** Where the calibrated device profile is cached (default os.tmpdir()/modellens/device-profile.json). */
  profileCache?: string;
  signal?: AbortSignal;
  onProgress?: (p: BenchProgress) => void;
}

export interface BenchProgress {
  phase: 'load' | 'warmup' | 'run' | 'profile' | 'calibrate' | 'estimate';
  /** Runs done in this phase, and how many there will be (0/0 for phases without runs). */
  done: number;
  total: number;
  /** Which model, when a comparison runs two. */
  model?: string;
}

export interface LatencyStats {
  /** Every timed run, in ms, in the order they ran. */
  runsMs: number[];
  medianMs: number;
  /** Nearest-rank 90th percentile: the smallest run time that at least 90 % of runs do not exceed. */
  p90Ms: number;
  meanMs: number;
  minMs: number;
  maxMs: number;
}

export interface MemoryStats {
  /** Resident set size of this process before the model was loaded, bytes. */
  rssBeforeBytes: number;
  /** Highest RSS sampled after load and after every run, minus rssBeforeBytes. Includes weights. */
  rssPeakDeltaBytes: number;
  /**
   * ORT's own allocator accounting from the profiler (largest `mem_in_use_peak` over all kernels):
   * activations and scratch from ORT's arena, not weights. Absent without per-node profiling.
   */
  ortArenaPeakBytes?: number;
  /** tfjs memory(): bytes held by tensors at their peak during a run, when the backend reports it. */
  tfjsPeakBytes?: number;
  /** What the numbers above mean, in one sentence for the user. */
  note: string;
}

export interface InputSpec {
  name: string;
  dtype: string;
  shape: number[];
}

/** Measured time of one graph node, summed over the profiled runs and divided by their count. */
export interface NodeTime {
  /** IR node id (LayerAnalysis.id) the time is charged to. */
  id: string;
  opType: string;
  /** Mean kernel time per run, ms. */
  ms: number;
  /** Runtime kernels charged to this node (ORT names after fusion, e.g. "X_output_0_nchwc"). */
  kernels: string[];
  /** Other IR nodes the runtime fused into this one's kernel (their own time is inside `ms`). */
  fused?: string[];
}

/** A runtime kernel that maps to no graph node (layout reorders ORT inserts, casts, ...). */
export interface UnmappedKernel {
  kernel: string;
  opType: string;
  ms: number;
}

export interface PerNodeTimes {
  /** How the times were obtained, for the user. */
  method: string;
  runs: number;
  nodes: NodeTime[];
  unmapped: UnmappedKernel[];
  /** Graph nodes with no kernel of their own and not fused anywhere known (removed by the optimiser). */
  noKernel: string[];
  /** Sum of all kernel times per run, ms (≤ latency: the rest is the runtime's own overhead). */
  kernelTotalMs: number;
}

export interface DeviceProfile {
  /** Multiply-accumulates per second measured on a large float32 MatMul. */
  macsPerSecond: number;
  /** Bytes per second (read + written) measured on a large float32 Add. */
  bytesPerSecond: number;
  /** What was measured: kernel sizes, repeats and best times. */
  method: string;
  cpu: string;
  threads: number | 'default';
  measuredAt: string;
}

export interface NodeEstimate {
  id: string;
  opType: string;
  macs: number;
  bytes: number;
  estimatedMs: number;
  bound: 'compute' | 'memory';
  measuredMs?: number;
}

export interface RooflineEstimate {
  device: DeviceProfile;
  estimatedMs: number;
  /** Nodes the analysis could not cost (their time is missing from the estimate). */
  uncosted: number;
  /** (estimate − measured median) / measured median: negative when the estimate is optimistic. */
  relativeError?: number;
  /** Set when the measurement beat the profile's peak MAC/s: the profile is not to be trusted. */
  staleProfile?: string;
  nodes: NodeEstimate[];
}

export interface BenchResult {
  file: string;
  format: 'onnx' | 'keras';
  runtime: RuntimeName;
  /** 'cpu' execution provider for ORT; 'tensorflow' | 'wasm' | 'cpu' backend for tfjs. */
  backend: string;
  /** Why a faster backend was not used (e.g. tfjs-node absent). */
  backendNotes: string[];
  inputs: InputSpec[];
  warmup: number;
  latency: LatencyStats;
  memory: MemoryStats;
  perNode?: PerNodeTimes;
  roofline?: RooflineEstimate;
  fileBytes: number;
  loadMs: number;
  warnings: string[];
}

export interface OutputDiff {
  name: string;
  maxAbs: number;
  /** ||a − b||₂ / ||a||₂ (0 when both are zero). */
  relL2: number;
  /** True when shapes or dtypes differ (then the numbers are NaN). */
  mismatch?: string;
}

export interface CompareResult {
  before: BenchResult;
  after: BenchResult;
  /** before.median / after.median (> 1: the compressed model is faster). */
  speedup: number;
  sizeBefore: number;
  sizeAfter: number;
  outputs: OutputDiff[];
  seed: number;
}
