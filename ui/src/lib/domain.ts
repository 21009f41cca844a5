// Lists of the model's enumerations, typed by the generated bindings.
import type { Language } from '../bindings/Language';
import type { Element } from '../bindings/Element';
import type { Checklist } from '../bindings/Checklist';

/** Units an auditor may type each kind of field in (the first is the default). */
export const INPUT_UNITS = {
  length_mm: ['mm', 'cm', 'm', 'in'],
  permille: ['percent', 'ratio', 'degrees', 'permille'],
  count: ['count'],
  flag: [],
} as const;

/** Almaty's centre, the map's default view. */
/** Colours of the statuses, in the order of STATUS_KEYS: fully, partially,
 *  with help, not accessible, not assessed (contrast ≥ 3:1 against the map
 *  and white). */
export const STATUS_COLOURS = ['#1a7f37', '#b35c00', '#6f42c1', '#b00020', '#5c5c5c'];

export const ALMATY: [number, number] = [43.2389, 76.8897];

/** A field to measure (`element_id.field`, as a verdict lists them) as
 *  "Element kind: field label", in `lang`. */
export function fieldRefLabel(
  ref: string,
  elements: Element[],
  checklists: Checklist[],
  lang: Language,
  kindName: (kind: string | null) => string,
): string {
  const [id, field] = ref.split('.');
  const el = elements.find((e) => e.id === id);
  const f = checklists.find((c) => c.kind === el?.kind)?.fields.find((f) => f.name === field);
  const label = f ? f.label[lang] : field;
  return el ? `${kindName(el.kind)}: ${label}` : label;
}

/** The initial bearing from `a` to `b`, in degrees clockwise from north. */
export function bearingDeg(a: { lat_deg: number; lon_deg: number }, b: { lat_deg: number; lon_deg: number }): number {
  const rad = Math.PI / 180;
  const [la1, la2, dlo] = [a.lat_deg * rad, b.lat_deg * rad, (b.lon_deg - a.lon_deg) * rad];
  const y = Math.sin(dlo) * Math.cos(la2);
  const x = Math.cos(la1) * Math.sin(la2) - Math.sin(la1) * Math.cos(la2) * Math.cos(dlo);
  return (((Math.atan2(y, x) / rad) % 360) + 360) % 360;
}

/** The nearest of the eight compass points to a bearing (`dir.*` names them). */
export function compassPoint(bearing: number): 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw' {
  return (['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'] as const)[Math.round(bearing / 45) % 8];
}
