import type { OpRule, RuleTable } from './types';
import { ONNX_RULES } from './onnx';
import { MICROSOFT_RULES } from './onnx/microsoft';
import { kerasRules } from './keras/table';
import { LLM_RULES } from './llm';
import { TRAINING_RULES } from './onnx/training';
import { ML_RULES } from './onnx/ml';

/**
 * Rule tables by node domain: the engine looks up `TABLES[node.domain][node.opType]` and knows nothing
 * else about formats. A format adds its table with one line here (static import: bundlers and the
 * worker see it without any start-up registration), or at run time with registerRules(), e.g.
 * `registerRules('keras', KERAS_RULES)` for Keras layers keyed by class name.
 */
const TABLES = new Map<string, RuleTable>([
  ['', ONNX_RULES],
  ['ai.onnx', ONNX_RULES],
  ['com.microsoft', MICROSOFT_RULES],
  ['ai.onnx.preview.training', TRAINING_RULES],
  ['ai.onnx.ml', ML_RULES],
  ['keras', kerasRules],
  ['modellens', LLM_RULES],
]);

export function registerRules(domain: string, table: RuleTable): void {
  const prev = TABLES.get(domain);
  TABLES.set(domain, prev ? { ...prev, ...table } : table);
}

export function ruleFor(domain: string, opType: string): OpRule | undefined {
  const t = TABLES.get(domain);
  return t && Object.prototype.hasOwnProperty.call(t, opType) ? t[opType] : undefined;
}
