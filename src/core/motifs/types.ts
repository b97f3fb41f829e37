/** Structural motifs found in an Analysis: plain JSON so the host can post them to the webview. */
export type MotifKind = 'residual' | 'depthwise-separable' | 'attention' | 'squeeze-excitation' | 'repeated';

export interface Motif {
  /** Unique among the motifs of one analysis. */
  id: string;
  kind: MotifKind;
  /** Short text for the graph label, e.g. "residual", "attention", "block ×12". */
  label: string;
  /** Layer ids the motif covers, in topological order. */
  layers: string[];
  /** The layer that characterises the motif (the join Add, the Softmax, the gating Mul, the pointwise conv). */
  anchor: string;
  /** Repeated blocks: instances sharing a group are structurally identical. */
  repeat?: { group: string; index: number; count: number };
}

export const MOTIF_KINDS: readonly MotifKind[] = [
  'residual', 'depthwise-separable', 'attention', 'squeeze-excitation', 'repeated',
];
