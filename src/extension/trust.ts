/**
 * Workspace Trust: in Restricted Mode ModelLens analyses and shows graphs but never writes files.
 * Tests can force the untrusted state (the test server runs with trust disabled, i.e. always trusted).
 */
import * as vscode from 'vscode';

let override: boolean | undefined;

export function isTrusted(): boolean {
  return override ?? vscode.workspace.isTrusted;
}

export function setTrustOverride(trusted: boolean | undefined): void {
  override = trusted;
}

export class RestrictedModeError extends Error {
  constructor(what: string) {
    super(`ModelLens does not ${what} in Restricted Mode. Trust this workspace to allow it.`);
  }
}

export function requireTrust(what: string): void {
  if (!isTrusted()) throw new RestrictedModeError(what);
}
