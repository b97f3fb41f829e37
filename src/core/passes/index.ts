export * from './types';
export { allPasses, passByName, suggestAll, PASS_NAMES } from './registry';
export { suggest, optimize, combine, type OptimizeResult } from './api';
export { truncatedSvd, type LowRank } from './linalg/svd';
