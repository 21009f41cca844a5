// What an error says to the auditor.
import { CommandError } from './ipc';
import { t } from './i18n.svelte';

/** A sentence for the auditor, in their language where the code is known. */
export function explain(e: unknown): string {
  if (e instanceof CommandError) {
    const key = `err.${e.detail.code}`;
    const text = t(key, { field: e.detail.field ?? '' });
    return text === key ? e.detail.message : text;
  }
  return String(e);
}
