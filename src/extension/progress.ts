import type * as vscode from 'vscode';

/**
 * A worker's progress callback (fraction done in [0, 1], message) for a withProgress notification,
 * which takes increments in percent: never backwards, even when the worker's fractions are.
 */
export function fractionReporter(progress: vscode.Progress<{ message?: string; increment?: number }>): (fraction: number, message: string) => void {
  let last = 0;
  return (f, message) => {
    progress.report({ increment: Math.max(0, 100 * f - last), message });
    last = Math.max(last, 100 * f);
  };
}
