// The marks the city map (dashboard) and the public map draw alike: a
// cluster as a ring coloured by the mix of its statuses, not by the
// majority (40 inaccessible and 10 accessible places show both), and a
// place as a dot in its status's colour with its name as a text tooltip.
import L from 'leaflet';
import { clusterRing, textElement } from './safe-dom';
import { STATUS_COLOURS } from './domain';

/** A cluster of places at `lat, lon`: `counts` per status (in the order of
 *  STATUS_COLOURS); `onClick` zooms in. */
export function clusterMark(lat: number, lon: number, counts: number[], onClick: () => void): L.Marker {
  const total = counts.reduce((a, b) => a + b, 0);
  const size = 34 + Math.min(30, Math.log2(total) * 4);
  const icon = L.divIcon({ className: 'cluster', html: clusterRing(counts, STATUS_COLOURS, size), iconSize: [size, size] });
  const m = L.marker([lat, lon], { icon, keyboard: false });
  m.on('click', onClick);
  return m;
}

/** One place, drawn on `renderer` (a shared canvas) in its status's colour. */
export function placeMark(
  renderer: L.Renderer,
  lat: number,
  lon: number,
  status: number,
  name: string,
  radiusPx: number,
  onClick: () => void,
): L.CircleMarker {
  const m = L.circleMarker([lat, lon], {
    renderer,
    radius: radiusPx,
    color: '#1a1a1a',
    weight: 1.5,
    fillColor: STATUS_COLOURS[status],
    fillOpacity: 0.95,
  });
  m.bindTooltip(textElement(name));
  m.on('click', onClick);
  return m;
}
