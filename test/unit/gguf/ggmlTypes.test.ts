// The ggml type table against published figures: bits per weight as ggml-common.h's comments state
// them ("Effectively 4.5 bits per weight", "2.0625 bpw", ...) and, for the legacy types, as llama.cpp's
// quantize tool documents them; ids as ggml.h's `enum ggml_type`.
import assert from 'node:assert/strict';
import { allGgmlTypes, ggmlType } from '../../../src/core/formats/gguf';

// type → [ggml.h id, bits per weight]
const PUBLISHED: Record<string, [number, number]> = {
  F32: [0, 32], F16: [1, 16], BF16: [30, 16], F64: [28, 64], I8: [24, 8], I16: [25, 16], I32: [26, 32], I64: [27, 64],
  Q4_0: [2, 4.5], Q4_1: [3, 5], Q5_0: [6, 5.5], Q5_1: [7, 6], Q8_0: [8, 8.5], Q8_1: [9, 9],
  Q2_K: [10, 2.625], Q3_K: [11, 3.4375], Q4_K: [12, 4.5], Q5_K: [13, 5.5], Q6_K: [14, 6.5625], Q8_K: [15, 9.125],
  IQ2_XXS: [16, 2.0625], IQ2_XS: [17, 2.3125], IQ3_XXS: [18, 3.0625], IQ1_S: [19, 1.5625], IQ4_NL: [20, 4.5], IQ3_S: [21, 3.4375],
  IQ2_S: [22, 2.5625], IQ4_XS: [23, 4.25], IQ1_M: [29, 1.75], TQ1_0: [34, 1.6875], TQ2_0: [35, 2.0625], MXFP4: [39, 4.25],
  NVFP4: [40, 4.5], Q1_0: [41, 1.125], Q2_0: [42, 2.25],
};

describe('GGUF: ggml type table', () => {
  it('every type: id and bits per weight as published', () => {
    const seen = new Set<string>();
    for (const t of allGgmlTypes()) {
      const p = PUBLISHED[t.name];
      assert.ok(p, `${t.name} has no published figure in this test`);
      assert.equal(t.id, p[0], `${t.name} id`);
      assert.equal((t.bytesPerBlock * 8) / t.blockSize, p[1], `${t.name} bits per weight`);
      assert.equal(ggmlType(t.id), t);
      seen.add(t.name);
    }
    assert.deepEqual([...seen].sort(), Object.keys(PUBLISHED).sort());
  });

  it('removed and unknown ids are not types', () => {
    for (const id of [4, 5, 31, 32, 33, 36, 37, 38, 43, 1000]) assert.equal(ggmlType(id), undefined);
  });
});
