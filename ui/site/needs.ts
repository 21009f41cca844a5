// The public pages' words for needs and statuses. A place's statuses come
// as five letters, one per need in the order К О С Г У (the server's
// `public::status_letter`): F fully, P partially, C with help, N not
// accessible, X not assessed.
import { STATUS_KEYS } from '../src/lib/i18n.svelte';

/** The needs a resident picks from, in the order of the status letters. */
export const NEEDS = ['K', 'O', 'S', 'G', 'U'] as const;
export type Need = (typeof NEEDS)[number];

/** Status letters in the order of a cluster's counts and of STATUS_KEYS. */
export const LETTERS = ['F', 'P', 'C', 'N', 'X'] as const;

/** The index (0–4) of a place's status for a need. */
export function statusOf(letters: string, need: Need): number {
  return Math.max(0, LETTERS.indexOf(letters[NEEDS.indexOf(need)] as (typeof LETTERS)[number]));
}

/** The translation key of a status index. */
export const statusKey = (i: number) => STATUS_KEYS[i];

/** The translation key of a status as the server spells it (DP, DCH, DU, VND, NA). */
export function categoryStatusKey(s: string): string {
  return 'st.' + s;
}
