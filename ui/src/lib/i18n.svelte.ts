// UI text in Russian, Kazakh and English, from the translation files.
import ru from '../locales/ru.json';
import kk from '../locales/kk.json';
import en from '../locales/en.json';

import type { Language } from '../bindings/Language';
import type { ErrorCode } from '../bindings/ErrorCode';

/** The UI's languages: the Rust `Language`, generated. */
export type Lang = Language;
export const LANGS: { code: Lang; name: string }[] = [
  { code: 'ru', name: 'Русский' },
  { code: 'kk', name: 'Қазақша' },
  { code: 'en', name: 'English' },
];
const TABLES: Record<Lang, Record<string, string>> = { ru, kk, en };

export const i18n = $state({ lang: 'ru' as Lang });

export function setLang(lang: Lang) {
  i18n.lang = lang;
  document.documentElement.lang = lang;
}

/** Translated text for `key`, with `{name}` placeholders filled in. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = TABLES[i18n.lang][key] ?? TABLES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? `{${k}}`));
}

/** The sentence for an error, in the user's language: every code the
 *  server and the app answer with has one (`err.<code>`); a code this
 *  build does not know (`unknown`) shows the message that came with it. */
export function errorSentence(code: ErrorCode, field: string | null, message: string): string {
  if (code === 'unknown') return message;
  const key = `err.${code}`;
  const text = t(key, { field: field ?? '' });
  return text === key ? message : text;
}

export function formatDistance(m: number): string {
  const unit = i18n.lang === 'en' ? ['m', 'km'] : ['м', 'км'];
  return m < 1000 ? `${Math.round(m)} ${unit[0]}` : `${(m / 1000).toFixed(1)} ${unit[1]}`;
}

export function formatBytes(n: number): string {
  const mb = i18n.lang === 'en' ? 'MB' : 'МБ';
  const kb = i18n.lang === 'en' ? 'KB' : 'КБ';
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} ${mb}` : `${Math.ceil(n / 1024)} ${kb}`;
}
