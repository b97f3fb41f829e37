// The layering of src/core (src/core/README.md), checked by reading every import of every .ts file:
// formats → IR → rules → analysis → passes, with apply/ above passes and formats. A forbidden import
// fails here with the file, line and target, before it can spread to the next format.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const CORE = path.resolve(__dirname, '../../../src/core');

/**
 * Top-level folders of src/core and what each must not import (by folder). The first three are the
 * rules of issue 19; the IR is the bottom every layer shares, and apply/ is above everything it uses.
 */
const FORBIDDEN: Record<string, readonly string[]> = {
  passes: ['formats', 'apply'],
  rules: ['formats', 'passes', 'apply'],
  formats: ['passes', 'apply'],
  ir: ['formats', 'rules', 'analysis', 'motifs', 'passes', 'apply', 'runtime', 'tensor'],
};

/**
 * Imports whose specifier is computed at run time, so cannot be checked here. Each is listed with why;
 * any other computed import fails the test.
 */
const COMPUTED_OK: Record<string, string> = {
  'formats/keras/h5.ts': 'loads the h5wasm package, or its copy beside the bundle (dist/h5wasm)',
};

interface Import {
  line: number;
  /** The string literal; undefined when the argument of import()/require() is not a literal. */
  spec: string | undefined;
  kind: 'static' | 'export-from' | 'dynamic' | 'require' | 'import-type';
}

/** Every module reference in a source text: import/export … from, import = require, import(), require(), import('x') types. */
export function importsOf(text: string, fileName = 'x.ts'): Import[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, fileName.endsWith('.d.ts') ? ts.ScriptKind.TS : undefined);
  const out: Import[] = [];
  const add = (node: ts.Node, kind: Import['kind'], arg: ts.Node | undefined) => {
    out.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, spec: arg && ts.isStringLiteralLike(arg) ? arg.text : undefined, kind });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, 'static', node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(node, 'export-from', node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node, 'require', node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, 'dynamic', node.arguments[0]);
    else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') add(node, 'require', node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, 'import-type', node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** What an import of `file` (absolute) names: a folder of src/core, a place outside it, or a package. */
function target(file: string, spec: string): { core?: string; outside?: string; pkg?: string } {
  if (!spec.startsWith('.')) return { pkg: spec.startsWith('node:') ? spec : spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/') };
  const abs = path.resolve(path.dirname(file), spec);
  const rel = path.relative(CORE, abs);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return { outside: path.relative(path.dirname(CORE), abs) };
  return { core: rel.split(path.sep)[0] };
}

/** The rule an import breaks, or undefined. `from` is the importing file relative to src/core. */
export function violation(from: string, imp: Import): string | undefined {
  const layer = from.split('/')[0];
  if (imp.spec === undefined) return COMPUTED_OK[from] ? undefined : 'computed module name: cannot be checked (list it in COMPUTED_OK with why, or use a literal)';
  const t = target(path.join(CORE, from), imp.spec);
  if (t.pkg === 'vscode') return 'src/core imports vscode';
  if (t.outside) return `src/core imports ${t.outside} (outside src/core)`;
  if (t.core && FORBIDDEN[layer]?.includes(t.core)) return `${layer}/ imports ${t.core}/`;
  return undefined;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture: the layers of src/core', () => {
  const files = tsFiles(CORE).map((abs) => ({ rel: path.relative(CORE, abs).split(path.sep).join('/'), imports: importsOf(readFileSync(abs, 'utf8'), abs) }));

  it('reads every .ts file of each layer and resolves their relative imports', () => {
    const layers = new Set(files.map((f) => f.rel.split('/')[0]));
    for (const l of ['apply', 'formats', 'ir', 'rules', 'analysis', 'passes']) assert.ok(layers.has(l), `no .ts files found under src/core/${l}`);
    // Edges that exist on purpose: if the reader or resolver went blind these would vanish.
    const edges = new Set(files.flatMap((f) => f.imports.flatMap((i) => (i.spec ? [`${f.rel.split('/')[0]}->${target(path.join(CORE, f.rel), i.spec).core}`] : []))));
    for (const e of ['apply->formats', 'apply->passes', 'formats->ir', 'rules->ir', 'passes->ir']) assert.ok(edges.has(e), `expected an import ${e}; edges seen: ${[...edges].sort().join(' ')}`);
  });

  it('passes/ and rules/ import nothing from formats/; formats/ nothing from passes/ or apply/; ir/ nothing above it; nothing imports vscode', () => {
    const bad = files.flatMap((f) => f.imports.flatMap((i) => {
      const v = violation(f.rel, i);
      return v ? [`src/core/${f.rel}:${i.line} ${i.kind} '${i.spec ?? '(computed)'}': ${v}`] : [];
    }));
    assert.deepEqual(bad, []);
  });

  it('catches each kind of forbidden import (the checker is not blind)', () => {
    const cases: [string, string, RegExp][] = [
      ['passes/x.ts', "import { loadModel } from '../formats/index';", /passes\/ imports formats\//],
      ['passes/sub/x.ts', "export { writeOnnx } from '../../formats/onnx/writer';", /passes\/ imports formats\//],
      ['rules/onnx/x.ts', "const d = await import('../../formats/onnx/reader');", /rules\/ imports formats\//],
      ['rules/x.ts', "const r = require('../formats/keras');", /rules\/ imports formats\//],
      ['formats/keras/x.ts', "import type { Suggestion } from '../../passes/types';", /formats\/ imports passes\//],
      ['formats/x.ts', "import { suggest } from '../apply/api';", /formats\/ imports apply\//],
      ['formats/x.ts', "type T = import('../passes/types').Suggestion;", /formats\/ imports passes\//],
      ['ir/x.ts', "import * as vscode from 'vscode';", /imports vscode/],
      ['ir/x.ts', "import { readOnnxFile } from '../formats/onnx/reader';", /ir\/ imports formats\//],
      ['rules/keras/x.ts', "import { passByName } from '../../passes/registry';", /rules\/ imports passes\//],
      ['analysis/x.ts', "import x = require('../../extension/engine');", /outside src\/core/],
      ['passes/x.ts', 'const m = await import(name);', /computed module name/],
    ];
    for (const [from, text, want] of cases) {
      const imps = importsOf(text);
      assert.equal(imps.length, 1, `${text}: read ${imps.length} imports`);
      assert.match(violation(from, imps[0]) ?? 'allowed', want, text);
    }
    // And allowed ones stay allowed.
    for (const [from, text] of [['apply/x.ts', "import { loadModel } from '../formats/index';"], ['formats/onnx/x.ts', "import { dtypeFromOnnx } from '../../ir/onnxDtypes';"], ['passes/x.ts', "import fs from 'node:fs';"]]) {
      assert.equal(violation(from, importsOf(text)[0]), undefined, text);
    }
  });
});
