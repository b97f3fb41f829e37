import { h } from '../dom';

/**
 * Keeps the toolbar on one row: controls that do not fit move, last first, into a "⋯" menu (and back
 * when the panel widens). The elements themselves move, so their listeners and state stay as they are.
 */
export class ToolbarOverflow {
  readonly more: HTMLElement;
  private readonly menu: HTMLElement;
  /** The bar's children in their order (the menu's items go back there). */
  private readonly order: Element[];

  /** `items`: the controls that may move to the menu, in the order they leave the bar (first leaves first). */
  constructor(private readonly bar: HTMLElement, private readonly items: HTMLElement[]) {
    this.menu = h('div', { class: 'overflow-menu hidden', attrs: { role: 'menu', id: 'toolbar-menu' } });
    this.more = h('button', { class: 'overflow-more hidden', text: '⋯', title: 'More controls', attrs: { id: 'toolbar-more', 'aria-haspopup': 'true', 'aria-expanded': 'false', type: 'button' } });
    this.more.addEventListener('click', (e) => {
      e.stopPropagation();
      this.toggle();
    });
    document.addEventListener('click', (e) => {
      if (!this.menu.contains(e.target as Node)) this.toggle(false);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.toggle(false);
    });
    bar.append(this.more, this.menu);
    this.order = [...bar.children];
    new ResizeObserver(() => this.layout()).observe(bar);
  }

  private toggle(open = this.menu.classList.contains('hidden')): void {
    this.menu.classList.toggle('hidden', !open);
    this.more.setAttribute('aria-expanded', String(open));
  }

  /** The controls now in the menu (tests read it). */
  get hidden(): HTMLElement[] {
    return this.items.filter((it) => it.parentElement === this.menu);
  }

  layout(): void {
    // Everything back in its place and order, then out again from the first item while the row overflows.
    for (const c of this.order) this.bar.appendChild(c);
    this.more.classList.add('hidden');
    const overflowing = () => this.bar.scrollWidth > this.bar.clientWidth + 1;
    if (!overflowing()) {
      this.toggle(false);
      return;
    }
    this.more.classList.remove('hidden');
    for (const it of this.items) {
      if (!overflowing()) break;
      this.menu.appendChild(it);
    }
    // In the menu, the controls keep the bar's order.
    const pos = (e: Element) => this.order.indexOf(e);
    for (const c of [...this.menu.children].sort((x, y) => pos(x) - pos(y))) this.menu.appendChild(c);
  }
}
