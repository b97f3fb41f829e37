export { benchModel, compareModels, diffOutputs } from './bench';
export { deviceProfile, defaultProfileCache } from './calibrate';
export { rooflineEstimate } from './roofline';
export { runBenchInWorker, runCompareInWorker } from './client';
export { parseBenchModelArgs, runBenchModelCommand, BENCH_MODEL_USAGE, BenchArgsError } from './cliHook';
export type * from './types';
