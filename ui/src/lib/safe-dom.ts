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
