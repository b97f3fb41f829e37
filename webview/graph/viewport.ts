/** Zoom and pan of the graph: one transform on one <g>, applied once per animation frame. */
export interface Transform {
  x: number;
  y: number;
  k: number;
}

export class Viewport {
  t: Transform = { x: 0, y: 0, k: 1 };
  private frame = 0;
  private drag: { px: number; py: number; x: number; y: number; moved: boolean } | undefined;
  onChange: (t: Transform) => void = () => {};
  /** Wheel or drag by the user (not programmatic fits). */
  onUser: () => void = () => {};
  /** True right after a drag, so the click that ends it does not select. */
  justDragged = false;

  constructor(private svg: SVGSVGElement, private g: SVGGElement) {
    svg.addEventListener('wheel', (e) => this.wheel(e), { passive: false });
    svg.addEventListener('pointerdown', (e) => this.down(e));
    svg.addEventListener('pointermove', (e) => this.move(e));
    svg.addEventListener('pointerup', (e) => this.up(e));
    svg.addEventListener('pointercancel', (e) => this.up(e));
  }

  set(t: Transform): void {
    this.t = { x: t.x, y: t.y, k: Math.max(0.02, Math.min(4, t.k)) };
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.applyNow();
      });
    }
  }

  applyNow(): void {
    this.g.setAttribute('transform', `translate(${this.t.x},${this.t.y}) scale(${this.t.k})`);
    this.onChange(this.t);
  }

  size(): { w: number; h: number } {
    const r = this.svg.getBoundingClientRect();
    return { w: r.width || 800, h: r.height || 600 };
  }

  zoomAt(factor: number, cx?: number, cy?: number): void {
    const { w, h } = this.size();
    const px = cx ?? w / 2;
    const py = cy ?? h / 2;
    const k = Math.max(0.02, Math.min(4, this.t.k * factor));
    const f = k / this.t.k;
    this.set({ k, x: px - (px - this.t.x) * f, y: py - (py - this.t.y) * f });
  }

  fit(box: { x: number; y: number; width: number; height: number }, maxK = 1.25, pad = 24): void {
    const { w, h } = this.size();
    const k = Math.min(maxK, (w - 2 * pad) / Math.max(1, box.width), (h - 2 * pad) / Math.max(1, box.height));
    this.set({ k, x: (w - box.width * k) / 2 - box.x * k, y: (h - box.height * k) / 2 - box.y * k });
  }

  centerOn(x: number, y: number, k = Math.max(this.t.k, 0.8)): void {
    const { w, h } = this.size();
    this.set({ k, x: w / 2 - x * k, y: h / 2 - y * k });
  }

  private wheel(e: WheelEvent): void {
    e.preventDefault();
    this.onUser();
    const r = this.svg.getBoundingClientRect();
    if (e.ctrlKey || e.metaKey || !e.shiftKey) {
      // Wheel and pinch zoom at the cursor; shift+wheel pans sideways.
      this.zoomAt(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
    } else {
      this.set({ ...this.t, x: this.t.x - (e.deltaX || e.deltaY) });
    }
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0 && e.button !== 1) return;
    this.drag = { px: e.clientX, py: e.clientY, x: this.t.x, y: this.t.y, moved: false };
  }

  private move(e: PointerEvent): void {
    const d = this.drag;
    if (!d) return;
    const dx = e.clientX - d.px;
    const dy = e.clientY - d.py;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) {
      d.moved = true;
      this.onUser();
      this.svg.setPointerCapture(e.pointerId);
      this.svg.classList.add('panning');
    }
    this.set({ k: this.t.k, x: d.x + dx, y: d.y + dy });
  }

  private up(e: PointerEvent): void {
    const d = this.drag;
    this.drag = undefined;
    this.svg.classList.remove('panning');
    if (d?.moved) {
      this.justDragged = true;
      setTimeout(() => (this.justDragged = false), 0);
      if (this.svg.hasPointerCapture(e.pointerId)) this.svg.releasePointerCapture(e.pointerId);
    }
  }
}
