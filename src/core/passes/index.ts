export * from './types';
export { allPasses, passByName, suggestAll, PASS_NAMES } from './registry';
export { combine } from './combine';
export { truncatedSvd, type LowRank } from './linalg/svd';
