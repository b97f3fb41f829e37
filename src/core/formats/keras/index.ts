export { readKerasJsonFile, readKerasJsonText } from './reader';
export { readKerasArchive, readKerasH5 } from './archive';
