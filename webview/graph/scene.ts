import type { MotifKind } from '../../src/core/motifs/types';
import type { OpFamily } from '../model/opFamily';

/** What the renderer draws: already-formatted text, sizes and colours; no analysis numbers. */
export interface SceneNode {
  id: string;
  kind: 'layer' | 'group' | 'input' | 'output';
  title: string;
  subtitle: string;
  /** Right-aligned value of the heat metric. */
  metric?: string;
  family: OpFamily;
  /** Heat 0..1, or null when the metric has no value for this node; undefined when heat is off. */
  heat?: number | null;
  width: number;
  height: number;
  /** One instance of a repeated block: which one, of how many (the badge says "1 of 8"). */
  repeat?: { index: number; count: number; stack?: boolean };
  hints: number;
  notCosted: boolean;
  tooltip: string;
}

export interface SceneEdge {
  id: string;
  from: string;
  to: string;
  label: string;
}

export interface SceneMotif {
  id: string;
  kind: MotifKind;
  label: string;
  nodes: string[];
  /** Visible node that carries the motif's tag. */
  anchor: string;
  /** Draw a dashed outline around the nodes (large motifs); small ones only get the tag. */
  box: boolean;
}

/** An expanded group: a frame around the nodes it shows, with its name and a collapse control. */
export interface SceneFrame {
  id: string;
  label: string;
  nodes: string[];
  /** Nesting depth (0 = outermost): inner frames get a smaller margin so they sit inside outer ones. */
  depth: number;
}

export interface Scene {
  nodes: SceneNode[];
  edges: SceneEdge[];
  motifs: SceneMotif[];
  frames?: SceneFrame[];
}
