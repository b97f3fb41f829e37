#!/usr/bin/python3
"""ONNX's own shape inference on the conformance models, for comparison with ModelLens.

Reads model paths (one per line) on stdin; for each, clears the declared types of the main graph's
outputs and its value_info (as the TypeScript harness does in memory), runs
onnx.shape_inference.infer_shapes(strict_mode=False, data_prop=True) and prints one JSON line:
{"file": ..., "outputs": [TYPE, ...]} or {"file": ..., "error": "..."}, where TYPE is
{"kind": "tensor"|"sequence"|"optional", "dtype": ONNX elem type code or 0, "shape": [int|null] or null,
 "elem": TYPE (sequence/optional)} or null when nothing is inferred.
Needs Debian's python3-onnx (apt-get install -y python3-onnx).
"""
import json
import sys

import onnx
from onnx import shape_inference


def type_json(t):
    which = t.WhichOneof("value")
    if which == "tensor_type":
        tt = t.tensor_type
        shape = None
        if tt.HasField("shape"):
            shape = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
        return {"kind": "tensor", "dtype": tt.elem_type, "shape": shape}
    if which == "sequence_type":
        return {"kind": "sequence", "elem": type_json(t.sequence_type.elem_type)}
    if which == "optional_type":
        return {"kind": "optional", "elem": type_json(t.optional_type.elem_type)}
    if which == "map_type":
        return {"kind": "map"}
    return None


def main():
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        try:
            m = onnx.load(path)
            for o in m.graph.output:
                o.ClearField("type")
            del m.graph.value_info[:]
            inferred = shape_inference.infer_shapes(m, strict_mode=False, data_prop=True)
            by_name = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
            outs = []
            for o in m.graph.output:
                v = by_name.get(o.name)
                outs.append(type_json(v.type) if v is not None and v.HasField("type") else None)
            print(json.dumps({"file": path, "outputs": outs}), flush=True)
        except Exception as e:  # noqa: BLE001 - reported per model, the run goes on
            print(json.dumps({"file": path, "error": str(e).split("\n")[0][:300]}), flush=True)


if __name__ == "__main__":
    main()
