/**
 * Which settings are read for a model file (resource scope: a folder of a multi-root workspace may set
 * its own dims, heat metric, lens and hint thresholds) and which for the window (the worker's time
 * limits: one worker serves every file). package.json declares the same scopes; VS Code logs a warning
 * for every window-scoped setting read with a resource, on every read (20 lines per model opened).
 * Pure (no vscode): test/unit/extension/settings.test.ts checks package.json against these lists.
 */
export const RESOURCE_SETTINGS = [
  'defaultDims', 'heatMetric', 'codeLens.enabled', 'codeLens.minMacsPercent',
  'hints.enabled', 'hints.minSavingsPercent', 'hints.maxErrorPercent',
] as const;

export const WINDOW_SETTINGS = ['analysis.timeoutSeconds', 'optimization.timeoutSeconds'] as const;
