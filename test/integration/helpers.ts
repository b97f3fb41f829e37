/** Shared helpers of the integration tests (inside the extension host, real `vscode` API). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { Suggestion } from '../../src/core/passes/types';
import type { ModelLensApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'modellens.modellens';

export function workspaceDir(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  assert.ok(f, 'the tests need a workspace folder of sample models (scripts/e2e/run.mjs makes one)');
  return f.uri.fsPath;
}

/** A sample model copied into the workspace; fails loudly when the runner could not copy it. */
export function sample(name: string): vscode.Uri {
  const file = path.join(workspaceDir(), name);
  try {
    readFileSync(file, { flag: 'r' }).subarray(0, 1);
  } catch {
    assert.fail(`sample ${name} is missing from the test workspace (is ../shared/models beside the project?)`);
  }
  return vscode.Uri.file(file);
}

export interface ManifestEntry {
  name: string;
  file: string;
  onnx: { node_count: number; params_onnx: number };
  macs_onnx: number;
}

/** ../shared/models/onnx/onnx_manifest.json, copied into the workspace: the reference numbers. */
export function manifest(file: string): ManifestEntry {
  const m = JSON.parse(readFileSync(sample('onnx_manifest.json').fsPath, 'utf8')) as { models: ManifestEntry[] };
  const e = m.models.find((x) => x.file === file);
  assert.ok(e, `${file} is not in onnx_manifest.json`);
  return e;
}

export async function api(): Promise<ModelLensApi> {
  const ext = vscode.extensions.getExtension<ModelLensApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.isActive ? ext.exports : await ext.activate();
}

export async function waitFor<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 45000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > until) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Closes every editor; dirty ones are reverted first (a save prompt would block the workbench). */
export async function closeAll(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    const dirty = vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.isDirty);
    if (!dirty) break;
    const input = dirty.input;
    if (input instanceof vscode.TabInputCustom) await vscode.commands.executeCommand('vscode.openWith', input.uri, input.viewType);
    else if (input instanceof vscode.TabInputText) await vscode.window.showTextDocument(input.uri);
    else break;
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

/**
 * Opens a model in one of ModelLens's custom editors and waits for its document and first analysis.
 * `document` picks the document from the API (ml.onnxDocument or ml.binaryDocument).
 */
export async function openInCustomEditor<D>(uri: vscode.Uri, viewType: 'modellens.onnx' | 'modellens.kerasBinary', document: (ml: ModelLensApi) => D | undefined) {
  const ml = await api();
  await vscode.commands.executeCommand('vscode.openWith', uri, viewType);
  await waitFor('the custom editor tab', () => activeCustomTab());
  const doc = await waitFor(`the ${viewType} document`, () => document(ml));
  const before = await waitFor('the analysis', () => {
    const r = ml.store.latest(uri);
    return r?.ok ? r.analysis : undefined;
  });
  return { ml, doc, before };
}

/** The passes' suggestions for an open model (structure-only, from the worker). */
export async function suggestionsFor(uri: vscode.Uri): Promise<Suggestion[]> {
  const ml = await api();
  const res = await (await waitFor('the suggestions', () => ml.store.cachedSuggestions(uri)));
  assert.ok(res?.ok, `suggestions failed: ${JSON.stringify(res)}`);
  return res.suggestions;
}

export function activeCustomTab(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

export async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  // The provider resolves after the worker's analysis; ask until it answers with lenses.
  return waitFor(`code lenses on ${path.basename(uri.fsPath)}`, async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const titles = (lenses ?? []).map((l) => l.command?.title ?? '').filter(Boolean);
    return titles.length ? titles : undefined;
  });
}
