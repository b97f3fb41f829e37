import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { config as ggufConfig, gpt2 as ggufGpt2 } from '../unit/gguf/checkpoints';
import { writeGguf } from '../unit/gguf/ggufWriter';
import { hfTensors } from '../unit/llm/checkpoints';
import { writeSafetensors } from '../unit/llm/safetensorsWriter';
import { activeCustomTab, api, closeAll, lensTitles, sample, waitFor, workspaceDir } from './helpers';

/** The lenses as the CodeLens provider API returns them (title and line), once analysed. */
async function lenses(uri: vscode.Uri): Promise<{ title: string; line: number; command?: string }[]> {
  await lensTitles(uri);
  const ls = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return ls.map((l) => ({ title: l.command?.title ?? '', line: l.range.start.line, command: l.command?.command }));
}

suite('Language models: config.json lenses and checkpoint graphs', () => {
  const scratch = () => path.join(workspaceDir(), 'gpt2-checkpoint');
  suiteTeardown(async () => {
    (await api()).setTrustOverride(undefined);
    await closeAll();
    rmSync(scratch(), { recursive: true, force: true });
  });

  test('Mixtral config.json: totals, KV cache per 1K tokens, Open graph, per-block params on num_hidden_layers', async () => {
    const uri = sample('mixtral-8x7b-v0.1/config.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const ls = await lenses(uri);
    const titles = ls.map((l) => l.title);
    assert.ok(!titles[0].includes('cannot analyse'), titles[0]);
    // Published: 46,702,792,704 params, 12,879,925,248 active; KV 131,072 bytes/token -> 128 MiB per 1024 tokens.
    assert.match(titles[0], /^ModelLens · mixtral · 46\.7G params \(12\.9G active per token\) · 87\.0 GiB weights$/);
    assert.equal(titles[1], 'KV cache 128.0 MiB per 1K tokens (fp16)');
    assert.equal(titles[2], 'Open graph');
    assert.ok(ls.slice(0, 3).every((l) => l.line === 0 && l.command === 'modellens.openGraph'));
    const block = ls.find((l) => l.title.startsWith('32 × block'));
    assert.ok(block, JSON.stringify(titles));
    // 4 projections (q, o 4096²; k, v 4096×1024), 8 experts of 3 × 4096 × 14336, router 4096 × 8.
    assert.equal(block!.title, '32 × block: attention 41.9M · experts 8 × 176.2M (2 active) · router 32.8K · norms 8.2K = 1.5G each');
    const line = doc.getText().split('\n').findIndex((t) => t.includes('"num_hidden_layers"'));
    assert.equal(block!.line, line);

    // "Open graph" opens the graph view of the config.
    const ml = await api();
    await vscode.commands.executeCommand('modellens.openGraph', uri);
    const views = await waitFor('the graph view', () => (ml.graphViews(uri).length ? ml.graphViews(uri) : undefined));
    assert.equal(views.length, 1);
    const res = ml.store.latest(uri);
    assert.ok(res?.ok && res.analysis.llm, 'analysis with the LLM numbers');
    assert.equal(res.analysis.llm.params.total, 46_702_792_704);
  });

  test('a safetensors checkpoint opens read-only in the ModelLens graph editor (also in Restricted Mode)', async () => {
    // GPT-2: the shared config.json and a safetensors file with the real tensor names and shapes (sparse).
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    copyFileSync(sample('gpt2/config.json').fsPath, path.join(dir, 'config.json'));
    const cfg = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    writeSafetensors(path.join(dir, 'model.safetensors'), hfTensors(cfg, 'F32'));
    const uri = vscode.Uri.file(path.join(dir, 'model.safetensors'));

    const ml = await api();
    ml.setTrustOverride(false);
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.llm');
    const tab = await waitFor('the custom editor tab', () => activeCustomTab());
    assert.equal(tab.viewType, 'modellens.llm');
    const res = await waitFor('the analysis', () => ml.store.latest(uri));
    assert.ok(res.ok, res.ok ? '' : res.error.message);
    assert.equal(res.analysis.format, 'safetensors');
    // GPT-2's published count; the tied lm_head is stored once.
    assert.equal(res.analysis.llm?.params.total, 124_439_808);
    assert.ok(res.analysis.llm?.planInputs, 'what the LLM section re-plans from');
    assert.equal(ml.graphViews(uri).length, 1);
    // The config.json beside it still gets its lenses in Restricted Mode.
    const cfgUri = vscode.Uri.file(path.join(dir, 'config.json'));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(cfgUri));
    const titles = (await lenses(cfgUri)).map((l) => l.title);
    assert.match(titles[0], /^ModelLens · gpt2 · 124\.4M params · /);
    assert.ok(titles.some((t) => /^12 × block: attention 2\.4M · MLP 4\.7M/.test(t)), JSON.stringify(titles));
  });

  test('a GGUF file opens in the same editor: parameters exact, bytes by ggml type, stored type per tensor', async () => {
    const dir = scratch();
    mkdirSync(dir, { recursive: true });
    // GPT-2 as llama.cpp's convert writes it, Q8_0 matrices (header real, data sparse).
    const cp = ggufGpt2(ggufConfig('gpt2'), 'Q8_0');
    const file = path.join(dir, 'gpt2-q8_0.gguf');
    writeGguf(file, cp.kv, cp.tensors);
    const uri = vscode.Uri.file(file);
    const ml = await api();
    await vscode.commands.executeCommand('vscode.openWith', uri, 'modellens.llm');
    const res = await waitFor('the analysis', () => ml.store.latest(uri));
    assert.ok(res.ok, res.ok ? '' : res.error.message);
    assert.equal(res.analysis.format, 'gguf');
    assert.equal(res.analysis.llm?.params.total, 124_439_808);
    assert.ok((res.analysis.details.weightBytesByDtype.Q8_0 ?? 0) > 0, JSON.stringify(res.analysis.details.weightBytesByDtype));
    const wte = res.analysis.layers.flatMap((l) => l.inputs).find((t) => t.name === 'wte.weight');
    assert.equal(wte?.stored, 'Q8_0');
    // Q8_0: 34 bytes per 32 weights.
    assert.equal(wte?.bytes, (50257 * 768 / 32) * 34);
    assert.equal(ml.graphViews(uri).length, 1);
  });
});
