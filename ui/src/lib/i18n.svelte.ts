// UI text in Russian, Kazakh and English, from the translation files.
import ru from '../locales/ru.json';
import kk from '../locales/kk.json';
import en from '../locales/en.json';

import type { Language } from '../bindings/Language';
import type { ErrorCode } from '../bindings/ErrorCode';
import type { MapStatus } from '../bindings/MapStatus';

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

/** The locale of a UI language for `Intl` (Kazakh as spoken in Kazakhstan). */
export function locale(lang: Lang = i18n.lang): string {
  return lang === 'kk' ? 'kk-KZ' : lang;
}

/** A number in the language's own format (24 365 in Russian and Kazakh). */
export function formatNumber(n: number, lang: Lang = i18n.lang): string {
  return new Intl.NumberFormat(locale(lang)).format(n);
}

/** `{n, plural, one {# …} few {# …} many {# …} other {# …}}`: the form the
 *  language's plural rules pick for `n` (`=0` may name an exact number). */
const PLURAL = /\{(\w+), plural,((?:\s*(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\})+)\s*\}/g;

/** Translated text for `key`, with `{name}` placeholders filled in
 *  (numbers in the language's format) and plural forms chosen; in the
 *  UI's language, or in `lang` (a letter printed in Kazakh from a
 *  dashboard read in Russian). */
export function t(key: string, params: Record<string, string | number> = {}, lang: Lang = i18n.lang): string {
  const text = TABLES[lang][key] ?? TABLES.en[key] ?? key;
  const rules = new Intl.PluralRules(locale(lang));
  return text
    .replace(PLURAL, (whole, name: string, cases: string) => {
      const n = Number(params[name]);
      if (!Number.isFinite(n)) return whole;
      const forms = Object.fromEntries([...cases.matchAll(/(=\d+|\w+)\s*\{([^{}]*)\}/g)].map((m) => [m[1], m[2]]));
      return (forms['=' + n] ?? forms[rules.select(n)] ?? forms.other ?? '').replace(/#/g, formatNumber(n, lang));
    })
    .replace(/\{(\w+)\}/g, (_, k) => {
      const v = params[k];
      return v === undefined ? `{${k}}` : typeof v === 'number' ? formatNumber(v, lang) : String(v);
    });
}

/** The sentence for an error, in the user's language: every code the
 *  server and the app answer with has one (`err.<code>`); a code this
 *  build does not know (`unknown`) shows the message that came with it. */
export function errorSentence(code: ErrorCode, field: string | null, message: string): string {
  if (code === 'unknown') return message;
  // A field's own sentence, where there is one (the password's length).
  const own = `err.${code}.${field}`;
  if (field && t(own) !== own) return t(own);
  const key = `err.${code}`;
  const text = t(key, { field: field ?? '' });
  return text === key ? message : text;
}

export function formatDistance(m: number): string {
  const unit = i18n.lang === 'en' ? ['m', 'km'] : ['м', 'км'];
  const km = new Intl.NumberFormat(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return m < 1000 ? `${Math.round(m)} ${unit[0]}` : `${km.format(m / 1000)} ${unit[1]}`;
}

export function formatBytes(n: number): string {
  const mb = i18n.lang === 'en' ? 'MB' : 'МБ';
  const kb = i18n.lang === 'en' ? 'KB' : 'КБ';
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} ${mb}` : `${Math.ceil(n / 1024)} ${kb}`;
}

/** The statuses of the "Доступный Казахстан" classification in the order
 *  maps, charts and tables list them (ДП, ДЧ, ДУ, ВНД), then "not assessed":
 *  one name for each, everywhere (`st.*`). */
export const STATUS_KEYS = ['st.DP', 'st.DCH', 'st.DU', 'st.VND', 'st.NA'] as const;

/** The 3-level wheelchair status of the "Доступный Казахстан" map, and
 *  "not assessed": the words for each. */
export const WHEELCHAIR_KEYS: Record<MapStatus, string> = {
  fully_accessible: 'map.w0',
  partially_accessible: 'map.w1',
  not_accessible: 'map.w3',
  not_assessed: 'st.NA',
};
