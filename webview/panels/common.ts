import { h } from '../dom';

export function section(title: string, ...children: (Node | null | false | undefined)[]): HTMLElement {
  return h('section', { class: 'section' }, h('h3', { text: title }), ...children);
}

export function kvTable(rows: [string, string | Node, string?][]): HTMLTableElement {
  return h('table', { class: 'kv' },
    ...rows.map(([k, v, extra]) => h('tr', {},
      h('th', { text: k }),
      h('td', {}, v, extra ? h('span', { class: 'muted', text: ` ${extra}` }) : null))));
}

export function button(label: string, onClick: () => void, opts: { secondary?: boolean; title?: string } = {}): HTMLElement {
  const b = h('vscode-button', { text: label, title: opts.title, attrs: { secondary: opts.secondary } });
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

export function link(label: string, onClick: () => void, title?: string): HTMLElement {
  return h('a', { class: 'link', text: label, title, attrs: { href: '#', role: 'button' }, on: { click: (e) => { e.preventDefault(); onClick(); } } });
}

/** A horizontal bar chart: rows of label, bar proportional to value, value text. */
export function barChart(rows: { label: string; value: number; text: string; onClick?: () => void; title?: string }[]): HTMLElement {
  const max = Math.max(0, ...rows.map((r) => r.value));
  return h('div', { class: 'bars' },
    ...rows.map((r) => {
      const fill = h('div', { class: 'bar-fill' });
      fill.style.width = `${max > 0 ? Math.max(1, (100 * r.value) / max) : 0}%`;
      const row = h('div', { class: `bar-row${r.onClick ? ' clickable' : ''}`, title: r.title ?? r.label },
        h('div', { class: 'bar-label', text: r.label }),
        h('div', { class: 'bar-track' }, fill),
        h('div', { class: 'bar-value', text: r.text }));
      if (r.onClick) row.addEventListener('click', r.onClick);
      return row;
    }));
}
