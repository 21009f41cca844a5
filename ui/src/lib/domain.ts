// Lists of the model's enumerations, typed by the generated bindings.
import type { Category } from '../bindings/Category';
import type { District } from '../bindings/District';

export const CATEGORIES: Category[] = [
  'government', 'health', 'culture', 'leisure', 'education', 'trade_services',
  'catering', 'transport', 'sport', 'religion', 'finance', 'lodging',
];
export const DISTRICTS: District[] = [
  'alatau', 'almaly', 'auezov', 'bostandyk', 'zhetysu', 'medeu', 'nauryzbay', 'turksib',
];

/** Units an auditor may type each kind of field in (the first is the default). */
export const INPUT_UNITS = {
  length_mm: ['mm', 'cm', 'm', 'in'],
  permille: ['percent', 'ratio', 'degrees', 'permille'],
  count: ['count'],
  flag: [],
} as const;

/** Almaty's centre, the map's default view. */
export const ALMATY: [number, number] = [43.2389, 76.8897];
