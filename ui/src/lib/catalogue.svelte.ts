// Regions, districts and object categories as data: the built-in
// catalogue until the device's (IPC) or the server's (HTTP) is loaded, then
// that one. Names are in the UI's language; a code the catalogue does not
// know (yet) is shown as itself.
import builtin from '../../../schemas/catalogue/kazakhstan.json';
import type { Catalogue } from '../bindings/Catalogue';
import type { DistrictEntry } from '../bindings/DistrictEntry';
import type { RegionEntry } from '../bindings/RegionEntry';
import type { Localized } from '../bindings/Localized';
import { i18n } from './i18n.svelte';

export const catalogue = $state<{ current: Catalogue }>({ current: builtin as Catalogue });

/** Takes a newer catalogue (additions are never taken back). */
export function setCatalogue(c: Catalogue) {
  if (c.version >= catalogue.current.version) catalogue.current = c;
}

/** Loads the server's catalogue (the dashboard and the public site). */
export async function loadCatalogue(base = ''): Promise<void> {
  const r = await fetch(base + '/api/v1/catalogue');
  if (r.ok) setCatalogue((await r.json()) as Catalogue);
}

const inLang = (name: Localized) => name[i18n.lang] || name.ru;

export function districtName(code: string | null | undefined): string {
  if (!code) return '';
  const d = catalogue.current.districts.find((x) => x.code === code);
  return d ? inLang(d.name) : code;
}

export function categoryName(code: string | null | undefined): string {
  if (!code) return '';
  const c = catalogue.current.categories.find((x) => x.code === code);
  return c ? inLang(c.name) : code;
}

export function regionName(code: string | null | undefined): string {
  if (!code) return '';
  const r = catalogue.current.regions.find((x) => x.code === code);
  return r ? inLang(r.name) : code;
}

/** The districts grouped by their region, regions in catalogue order and
 *  only those with districts. */
export function districtGroups(): { region: RegionEntry; districts: DistrictEntry[] }[] {
  const c = catalogue.current;
  return c.regions
    .map((region) => ({ region, districts: c.districts.filter((d) => d.region === region.code) }))
    .filter((g) => g.districts.length > 0);
}

/** Every district code, in catalogue order. */
export function districtCodes(): string[] {
  return catalogue.current.districts.map((d) => d.code);
}

/** Every object category code, in catalogue order. */
export function categoryCodes(): string[] {
  return catalogue.current.categories.map((c) => c.code);
}
