import type { GraphRenderer } from './renderer';

const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'opacity', 'font-family', 'font-size', 'font-weight', 'display'];

/**
 * The graph as drawn, as a standalone SVG: theme colours come from CSS variables that only exist in
 * the webview, so each element gets its computed style written out as attributes.
 */
export function graphSvgText(r: GraphRenderer): string | undefined {
  const layout = r.layout;
  if (!layout) return undefined;
  const src = r.svg;
  const clone = src.cloneNode(true) as SVGSVGElement;
  const a = src.querySelectorAll('*');
  const b = clone.querySelectorAll('*');
  for (let i = 0; i < a.length; i++) {
    const cs = getComputedStyle(a[i]);
    const el = b[i] as SVGElement;
    if (a[i].classList.contains('tile')) {
      // Culled tiles are hidden on screen; the export shows the whole graph.
      el.removeAttribute('style');
      continue;
    }
    for (const p of PROPS) {
      const v = cs.getPropertyValue(p);
      if (v) el.setAttribute(p, v);
    }
    el.removeAttribute('class');
    el.removeAttribute('tabindex');
    for (const attr of [...el.attributes]) if (attr.name.startsWith('data-')) el.removeAttribute(attr.name);
  }
  const pad = 20;
  const w = Math.ceil(layout.width + 2 * pad);
  const h = Math.ceil(layout.height + 2 * pad);
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  clone.setAttribute('viewBox', `${-pad} ${-pad} ${w} ${h}`);
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  clone.removeAttribute('class');
  clone.removeAttribute('role');
  for (const g of clone.querySelectorAll(':scope > g')) g.removeAttribute('transform');
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('x', String(-pad));
  bg.setAttribute('y', String(-pad));
  bg.setAttribute('width', String(w));
  bg.setAttribute('height', String(h));
  bg.setAttribute('fill', getComputedStyle(document.body).backgroundColor || '#1e1e1e');
  clone.insertBefore(bg, clone.firstChild);
  // XMLSerializer escapes text and attribute values; model-provided names stay text.
  // Control characters (internal ids, odd names) are not allowed anywhere in XML.
  return new XMLSerializer().serializeToString(clone).replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');
}

export async function exportGraph(r: GraphRenderer, format: 'svg' | 'png'): Promise<{ data: string; encoding: 'utf8' | 'base64' } | undefined> {
  const svg = graphSvgText(r);
  if (!svg || !r.layout) return undefined;
  if (format === 'svg') return { data: svg, encoding: 'utf8' };
  const w0 = r.layout.width + 40;
  const h0 = r.layout.height + 40;
  // Canvas limits: keep within 16k px a side and ~100M pixels.
  const scale = Math.min(2, 16000 / w0, 16000 / h0, Math.sqrt(1e8 / (w0 * h0)));
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('could not rasterise the SVG'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(w0 * scale));
    canvas.height = Math.max(1, Math.round(h0 * scale));
    const ctx = canvas.getContext('2d');
    if (!ctx) return undefined;
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) return undefined;
    const buf = new Uint8Array(await blob.arrayBuffer());
    let bin = '';
    for (let i = 0; i < buf.length; i += 0x8000) bin += String.fromCharCode(...buf.subarray(i, i + 0x8000));
    return { data: btoa(bin), encoding: 'base64' };
  } finally {
    URL.revokeObjectURL(url);
  }
}
