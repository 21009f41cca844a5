// The basemap under every map, app and dashboard alike: vector tiles from a
// PMTiles archive (the server's, read by range; or the copy kept on the
// device for offline use), drawn with protomaps-leaflet in the page's
// language, or an online raster tile URL, or none (points on a plain
// background). Which one is set once per page in `basemap.current`; every
// map follows it and the language.
import L from 'leaflet';
import { leafletLayer } from 'protomaps-leaflet';
import { PMTiles, type Source } from 'pmtiles';
import { escapeHtml } from './safe-dom';

export type Basemap =
  /** An archive served over HTTP (range requests). */
  | { kind: 'archive'; url: string; attribution: string }
  /** An archive kept on this device, read through `read`. */
  | { kind: 'device'; read: (offset: number, length: number) => Promise<ArrayBuffer>; attribution: string }
  /** An online raster tile URL template. */
  | { kind: 'tiles'; url: string; attribution: string }
  | { kind: 'none' };

export const basemap = $state<{ current: Basemap }>({ current: { kind: 'none' } });

/** The basemap a server describes (`GET /api/v1/basemap`), its paths
 *  relative to `base` (the server's address; '' for the page's own). */
export function fromServer(config: { archive: string | null; tile_url: string | null; attribution: string }, base = ''): Basemap {
  if (config.archive) return { kind: 'archive', url: base + config.archive, attribution: config.attribution };
  if (config.tile_url) return { kind: 'tiles', url: config.tile_url, attribution: config.attribution };
  return { kind: 'none' };
}

/** The app's basemap: the archive kept on the device when there is one,
 *  else the online tile URL of its settings, else none. */
export async function deviceBasemap(tileUrl = '') {
  const { api } = await import('./ipc');
  const kept = await api.basemapKept().catch(() => null);
  basemap.current = kept
    ? { kind: 'device', read: api.basemapRead, attribution: '' }
    : tileUrl
      ? { kind: 'tiles', url: tileUrl, attribution: '' }
      : { kind: 'none' };
}

/** A Leaflet layer drawing `b`, labels in `lang`; null for none. */
export async function basemapLayer(b: Basemap, lang: string): Promise<L.Layer | null> {
  if (b.kind === 'none') return null;
  const attribution = escapeHtml(b.attribution);
  if (b.kind === 'tiles') return L.tileLayer(b.url, { maxZoom: 19, attribution });
  // protomaps-leaflet extends the global Leaflet.
  (window as unknown as { L: typeof L }).L ??= L;
  const source: string | Source =
    b.kind === 'archive'
      ? b.url
      : { getKey: () => 'qadam-device-basemap', getBytes: async (offset, length) => ({ data: await b.read(offset, length) }) };
  const archive = new PMTiles(source);
  // Past the archive's deepest zoom the map scales its last tiles up.
  const { maxZoom } = await archive.getHeader();
  // Credit as configured, else as the archive says.
  const credit = attribution || escapeHtml(String(((await archive.getMetadata()) as { attribution?: unknown })?.attribution ?? ''));
  return leafletLayer({ url: archive, flavor: 'light', lang, attribution: credit, maxDataZoom: maxZoom }) as unknown as L.Layer;
}

/** Keeps `map`'s basemap as `basemap.current` says, in `lang()`: call from
 *  a component's `$effect`. Answers the cleanup. */
export function followBasemap(map: L.Map, lang: string): () => void {
  let layer: L.Layer | null = null;
  let gone = false;
  basemapLayer(basemap.current, lang).then(
    (l) => {
      if (gone || !l) return;
      layer = l.addTo(map);
      (layer as L.GridLayer).bringToBack?.();
    },
    (e) => console.warn('basemap unavailable', e),
  );
  return () => {
    gone = true;
    layer?.remove();
  };
}
