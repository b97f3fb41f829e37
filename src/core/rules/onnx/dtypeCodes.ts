import type { DType } from '../../ir/dtype';
import { dtypeFromOnnx } from '../../ir/onnxDtypes';

/** Element type named by an ONNX attribute (Cast `to`, ConstantOfShape, EyeLike `dtype`). */
export function dtypeFromOnnxCode(code: number): DType {
  return dtypeFromOnnx(code);
}
