export * from './dtype';
export * from './dim';
export * from './tensor';
export * from './graph';
export * from './llm';
