/** The documented settings (package.json contributes.configuration), read in one place. */
import * as vscode from 'vscode';
import type { HeatMetric } from '../../webview/protocol';
import { HEAT_METRICS } from '../../webview/protocol';

export interface Settings {
  defaultDims: Record<string, number>;
  heatMetric: HeatMetric;
  codeLensEnabled: boolean;
  codeLensMinMacsPercent: number;
  hintsEnabled: boolean;
  hintsMinSavingsPercent: number;
  hintsMaxErrorPercent: number;
}

/** The worker's time limits: window-scoped (settingKeys.ts), read without a resource. */
export interface WindowSettings {
  timeoutMs: number;
  applyTimeoutMs: number;
}

export function windowSettings(): WindowSettings {
  const w = vscode.workspace.getConfiguration('modellens');
  return {
    timeoutMs: 1000 * Math.max(5, w.get<number>('analysis.timeoutSeconds', 120)),
    applyTimeoutMs: 1000 * Math.max(5, w.get<number>('optimization.timeoutSeconds', 900)),
  };
}

/** The resource-scoped settings (settingKeys.ts) that apply to this model file. */
export function settings(scope: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('modellens', scope);
  const dims: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.get<Record<string, unknown>>('defaultDims') ?? {})) {
    // Ignore malformed entries rather than failing every analysis on a typo in settings.json.
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) dims[k] = v;
  }
  const metric = c.get<string>('heatMetric', 'macs');
  return {
    defaultDims: dims,
    heatMetric: (HEAT_METRICS as readonly string[]).includes(metric) ? (metric as HeatMetric) : 'macs',
    codeLensEnabled: c.get<boolean>('codeLens.enabled', true),
    codeLensMinMacsPercent: Math.max(0, c.get<number>('codeLens.minMacsPercent', 0)),
    hintsEnabled: c.get<boolean>('hints.enabled', true),
    hintsMinSavingsPercent: Math.max(0, c.get<number>('hints.minSavingsPercent', 10)),
    hintsMaxErrorPercent: Math.max(0, c.get<number>('hints.maxErrorPercent', 5)),
  };
}
