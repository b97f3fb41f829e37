export interface LayoutInput {
  nodes: { id: string; width: number; height: number }[];
  edges: { id: string; from: string; to: string }[];
}

export interface Point {
  x: number;
  y: number;
}

export interface LayoutResult {
  nodes: Map<string, { x: number; y: number; width: number; height: number }>;
  edges: Map<string, Point[]>;
  width: number;
  height: number;
  engine: 'elk' | 'simple';
  ms: number;
}
