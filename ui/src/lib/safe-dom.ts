/**
 * Elements built from text without ever parsing it as HTML. Names,
 * addresses and notes come from auditors' phones, imports and residents:
 * Leaflet puts a string tooltip or icon into `innerHTML`, so every label
 * handed to it is an element made here, whose text is set as text.
 */

/** A `<span>` showing `text` literally. */
export function textElement(text: string, className?: string): HTMLElement {
  const span = document.createElement('span');
  if (className) span.className = className;
  span.textContent = text;
  return span;
}

/** A map cluster's bubble: the count as text, its size (and colour) set through the CSSOM. */
export function clusterBubble(count: number, sizePx: number, background?: string): HTMLElement {
  const span = textElement(String(count));
  span.style.width = `${sizePx}px`;
  span.style.height = `${sizePx}px`;
  span.style.lineHeight = `${sizePx}px`;
  if (background) span.style.background = background;
  return span;
}

/** A map cluster coloured by its mix: a ring whose arcs are each class's
 *  share (`counts[i]` objects in `colours[i]`), around a white disc with the
 *  count in dark text, legible on any mix. Built through the CSSOM. */
export function clusterRing(counts: number[], colours: string[], sizePx: number): HTMLElement {
  const total = counts.reduce((a, b) => a + b, 0);
  const ring = document.createElement('div');
  ring.className = 'ring';
  ring.dataset.mix = counts.join(',');
  let from = 0;
  const arcs: string[] = [];
  counts.forEach((n, i) => {
    if (!n) return;
    const to = from + (n / total) * 100;
    arcs.push(`${colours[i]} ${from.toFixed(2)}% ${to.toFixed(2)}%`);
    from = to;
  });
  ring.style.width = ring.style.height = `${sizePx}px`;
  ring.style.background = `conic-gradient(${arcs.join(', ')})`;
  ring.append(textElement(String(total)));
  return ring;
}

/** `text` with HTML's special characters escaped, for the one Leaflet
 *  option that takes a string of HTML (a layer's attribution). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
