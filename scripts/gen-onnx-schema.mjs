// Regenerates src/core/formats/onnx/schema/ from the ONNX 1.20 descriptor that the `onnx-buf` package
// embeds (a serialized FileDescriptorProto of upstream onnx.proto). We compile it with protobufjs to a
// static module: static decoders need no runtime code generation (no `new Function` in our bundle).
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const descriptor = require('protobufjs/ext/descriptor');

const outDir = path.resolve('src/core/formats/onnx/schema');
const src = readFileSync(require.resolve('onnx-buf/dist/onnx_pb.js'), 'utf8');
const m = /fileDesc\("([A-Za-z0-9+/=]+)"/.exec(src);
if (!m) throw new Error('onnx-buf: embedded file descriptor not found');
const fileProto = descriptor.FileDescriptorProto.decode(Buffer.from(m[1], 'base64'));
const root = protobuf.Root.fromDescriptor({ file: [fileProto] });
root.resolveAll();
const json = root.toJSON();
writeFileSync(path.join(outDir, 'onnx.json'), JSON.stringify(json, null, 1) + '\n');
const pbjs = path.resolve('node_modules/.bin/pbjs');
const pbts = path.resolve('node_modules/.bin/pbts');
execFileSync(pbjs, ['-t', 'proto2', '-o', path.join(outDir, 'onnx.proto'), path.join(outDir, 'onnx.json')], { stdio: 'inherit' });
execFileSync(pbjs, ['-t', 'static-module', '-w', 'commonjs', '--no-create', '--no-verify', '--no-convert', '--no-delimited', '--no-service', '-o', path.join(outDir, 'onnx.js'), path.join(outDir, 'onnx.json')], { stdio: 'inherit' });
execFileSync(pbts, ['-o', path.join(outDir, 'onnx.d.ts'), path.join(outDir, 'onnx.js')], { stdio: 'inherit' });
console.log('wrote', outDir);
