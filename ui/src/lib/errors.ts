// What an error says to the auditor.
import { CommandError } from './ipc';
import { errorSentence } from './i18n.svelte';

/** A sentence for the auditor, in their language where the code is known. */
export function explain(e: unknown): string {
  if (e instanceof CommandError) return errorSentence(e.detail.code, e.detail.field, e.detail.message);
  return String(e);
}
