#!/usr/bin/python3
"""Prints {domain: {op: [since_version, ...]}} from the installed ONNX's operator schemas (python3-onnx)."""
import json

import onnx.defs

out = {}
for s in onnx.defs.get_all_schemas_with_history():
    out.setdefault(s.domain or "ai.onnx", {}).setdefault(s.name, []).append(s.since_version)
print(json.dumps({d: {k: sorted(v) for k, v in ops.items()} for d, ops in out.items()}))
