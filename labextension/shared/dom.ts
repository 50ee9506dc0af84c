// The one DOM-building helper of the sidebar (src/) and the inline widgets (widgets/src/).

/** The options of {@link el}: a class name, text content, a tooltip and attributes. */
export interface ElementOptions {
  cls?: string;
  text?: string;
  title?: string;
  attrs?: Record<string, string>;
}

/** Create an element with classes, text, a tooltip, attributes and children (nulls skipped). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: ElementOptions = {},
  ...children: (Node | string | null | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (options.cls) {
    node.className = options.cls;
  }
  if (options.text !== undefined) {
    node.textContent = options.text;
  }
  if (options.title) {
    node.title = options.title;
  }
  for (const [key, value] of Object.entries(options.attrs ?? {})) {
    node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}
