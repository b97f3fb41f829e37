import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RESOURCE_SETTINGS, WINDOW_SETTINGS } from '../../../src/extension/settingKeys';

/**
 * VS Code logs "Accessing a window scoped configuration for a resource is not expected" for every
 * setting without a scope read with a file URI (20 lines per model opened in the ModelLens log's
 * extension host). Each setting declares the scope it is read in (config.ts reads resource settings
 * with the model's URI, window settings without).
 */
describe('settings scopes', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { scope?: string }> } };
  };
  const props = pkg.contributes.configuration.properties;

  it('every setting read per model file is resource-scoped, the worker\'s limits window-scoped', () => {
    for (const k of RESOURCE_SETTINGS) assert.equal(props[`modellens.${k}`]?.scope, 'resource', `modellens.${k}`);
    for (const k of WINDOW_SETTINGS) assert.equal(props[`modellens.${k}`]?.scope, 'window', `modellens.${k}`);
  });

  it('the lists cover every documented setting', () => {
    assert.deepEqual(Object.keys(props).sort(), [...RESOURCE_SETTINGS, ...WINDOW_SETTINGS].map((k) => `modellens.${k}`).sort());
  });

  it('config.ts reads the window settings without a resource', () => {
    const src = readFileSync(path.resolve(__dirname, '../../../src/extension/config.ts'), 'utf8');
    for (const k of WINDOW_SETTINGS) assert.match(src, new RegExp(`w\\.get<number>\\('${k.replace('.', '\\.')}'`), k);
  });
});
