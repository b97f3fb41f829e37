import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import * as pb from 'protobufjs/minimal';
import { FileWindow } from '../../../src/core/formats/onnx/fileWindow';
import { bigintOf, signed, varintAt } from '../../../src/core/formats/onnx/wire';
import { isModelError } from '../../../src/core/errors';
import { prng, tmpDir } from './helpers';

describe('onnx wire: varints', () => {
  it('decode what protobufjs encodes (uint64 and int64, all lengths), across window refills', () => {
    const rnd = prng(11);
    const values: bigint[] = [0n, 1n, 127n, 128n, 300n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n];
    for (let i = 0; i < 2000; i++) {
      const bits = 1 + Math.floor(rnd() * 64);
      values.push(BigInt.asUintN(bits, (BigInt(Math.floor(rnd() * 2 ** 32)) << 32n) | BigInt(Math.floor(rnd() * 2 ** 32))));
    }
    const w = pb.Writer.create();
    const Long = pb.util.Long as unknown as { fromString(s: string, unsigned: boolean): unknown };
    for (const v of values) w.uint64(Long.fromString(v.toString(), true) as number);
    const file = path.join(tmpDir('wire'), 'v.bin');
    writeFileSync(file, w.finish());
    const win = new FileWindow(file, 64); // a tiny window: varints straddle refills
    try {
      const out = { lo: 0, hi: 0 };
      let pos = 0;
      for (const v of values) {
        pos = varintAt(win, pos, win.size, 'test', out);
        assert.equal(bigintOf(out), v);
        assert.equal(signed(out), Number(BigInt.asIntN(64, v)));
      }
      assert.equal(pos, win.size);
    } finally {
      win.close();
    }
  });

  it('a varint running past its message, or longer than 10 bytes, is a ModelError', () => {
    const file = path.join(tmpDir('wire'), 'bad.bin');
    writeFileSync(file, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]));
    const win = new FileWindow(file);
    try {
      assert.throws(() => varintAt(win, 0, 3, 'test', { lo: 0, hi: 0 }), (e) => isModelError(e) && /past the end/.test(e.message));
      assert.throws(() => varintAt(win, 0, win.size, 'test', { lo: 0, hi: 0 }), (e) => isModelError(e) && /longer than 10 bytes/.test(e.message));
    } finally {
      win.close();
    }
  });
});
