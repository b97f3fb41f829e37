export { buildLlmModel, type BuildOptions } from './build';
export { FAMILIES, type FamilyEntry, type Spec } from './families';
export type { HfConfig } from './config';
export { readHfModel, readConfig } from './reader';
export { tensorView } from './tensorView';
