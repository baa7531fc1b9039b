// The only way the renderer builds elements: tag, class and attributes, and children that are elements or plain
// strings (appended as text nodes). No HTML string is ever parsed, so query results such as "<script>" or
// "<img onerror=…>" can only ever show up as text.

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, props: { class?: string; attrs?: Record<string, string>; text?: string } = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) e.setAttribute(k, v);
  if (props.text !== undefined) e.textContent = props.text;
  for (const c of children) if (c) e.append(c);
  return e;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** A theme colour from VS Code's CSS variables, with a fallback for hosts that do not set it (the bench page). */
export function themeColor(from: Element, name: string, fallback: string): string {
  const v = getComputedStyle(from).getPropertyValue(name).trim();
  return v || fallback;
}
