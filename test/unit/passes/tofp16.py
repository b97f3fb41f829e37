import onnx, sys, numpy as np
from onnx import numpy_helper, TensorProto
src, dst = sys.argv[1], sys.argv[2]
m = onnx.load(src)
g = m.graph
F, H = TensorProto.FLOAT, TensorProto.FLOAT16
def conv(t):
    if t.data_type == F:
        a = numpy_helper.to_array(t).astype(np.float16)
        t.CopyFrom(numpy_helper.from_array(a, t.name))
for t in g.initializer: conv(t)
for n in g.node:
    for a in n.attribute:
        if a.type == onnx.AttributeProto.TENSOR: conv(a.t)
        if n.op_type == 'Cast' and a.name == 'to' and a.i == F: a.i = H
for v in list(g.input) + list(g.output):
    if v.type.tensor_type.elem_type == F: v.type.tensor_type.elem_type = H
del g.value_info[:]
onnx.save(m, dst)
