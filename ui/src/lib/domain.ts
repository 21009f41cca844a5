// Lists of the model's enumerations, typed by the generated bindings.
import type { Category } from '../bindings/Category';
import type { District } from '../bindings/District';
import type { ElementKind } from '../bindings/ElementKind';

export const CATEGORIES: Category[] = [
  'government', 'health', 'culture', 'leisure', 'education', 'trade_services',
  'catering', 'transport', 'sport', 'religion', 'finance', 'lodging',
];
export const DISTRICTS: District[] = [
  'alatau', 'almaly', 'auezov', 'bostandyk', 'zhetysu', 'medeu', 'nauryzbay', 'turksib',
];
export const ELEMENT_KINDS: ElementKind[] = [
  'approach_path', 'parking', 'entrance', 'ramp', 'stairs', 'door', 'tactile_navigation',
  'lift', 'corridor', 'toilet', 'signage', 'service_counter',
];

export type FieldSpec = { name: string; type: 'length_mm' | 'flag' | 'permille' };
/** Measured fields per element kind (mirrors `ElementKind::measurements` in core). */
export const MEASUREMENTS: Partial<Record<ElementKind, FieldSpec[]>> = {
  ramp: [
    { name: 'rise_mm', type: 'length_mm' },
    { name: 'run_mm', type: 'length_mm' },
    { name: 'slope_permille', type: 'permille' },
    { name: 'width_mm', type: 'length_mm' },
  ],
  door: [
    { name: 'clear_width_mm', type: 'length_mm' },
    { name: 'threshold_mm', type: 'length_mm' },
  ],
  entrance: [
    { name: 'has_step', type: 'flag' },
    { name: 'step_height_mm', type: 'length_mm' },
  ],
  tactile_navigation: [
    { name: 'present', type: 'flag' },
    { name: 'distance_to_stairs_mm', type: 'length_mm' },
  ],
};

/** Almaty's centre, the map's default view. */
export const ALMATY: [number, number] = [43.2389, 76.8897];

/** Units an auditor may type each kind of field in (the first is the default). */
export const INPUT_UNITS = {
  length_mm: ['mm', 'cm', 'm'],
  permille: ['percent', 'ratio', 'degrees', 'permille'],
} as const;
