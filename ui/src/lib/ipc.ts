// Typed calls into the Tauri commands (src-tauri/src/commands.rs). Types
// come from ../bindings, generated from the Rust types.
import { invoke, Channel } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { VisitVerdict } from '../bindings/VisitVerdict';
import type { Catalogue } from '../bindings/Catalogue';
import type { Conflict } from '../bindings/Conflict';
import type { HeldBack } from '../bindings/HeldBack';
import type { EnrolledDevice } from '../bindings/EnrolledDevice';
import type { Campaign } from '../bindings/Campaign';
import type { ObjectSummary } from '../bindings/ObjectSummary';
import type { MapStatus } from '../bindings/MapStatus';
import type { ObjectDetail } from '../bindings/ObjectDetail';
import type { NewObject } from '../bindings/NewObject';
import type { NewElement } from '../bindings/NewElement';
import type { Settings } from '../bindings/Settings';
import type { Photo } from '../bindings/Photo';
import type { GeoPoint } from '../bindings/GeoPoint';
import type { District } from '../bindings/District';
import type { SyncProgress } from '../bindings/SyncProgress';
import type { ErrorDetail } from '../bindings/ErrorDetail';
import type { EntityKind } from '../bindings/EntityKind';
import type { ObjectVerdict } from '../bindings/ObjectVerdict';
import type { RuleResult } from '../bindings/RuleResult';
import type { ElementKind } from '../bindings/ElementKind';
import type { MeasuredValue } from '../bindings/MeasuredValue';
import type { TypedMeasurement } from '../bindings/TypedMeasurement';
import type { Checklist } from '../bindings/Checklist';

import type { AppInfo } from '../bindings/app/AppInfo';
import type { AutoSyncOutcome } from '../bindings/app/AutoSyncOutcome';
export type { AppInfo, AutoSyncOutcome };

/** Every command fails with the same `{code, message, field}` shape. */
export class CommandError extends Error {
  constructor(public detail: ErrorDetail) {
    super(detail.message);
  }
}

async function call<T>(
  cmd: string,
  args?: Record<string, unknown> | Uint8Array,
  options?: { headers: Record<string, string> },
): Promise<T> {
  try {
    return await invoke<T>(cmd, args as never, options);
  } catch (e) {
    if (e && typeof e === 'object' && 'code' in e) throw new CommandError(e as ErrorDetail);
    throw new CommandError({ code: 'ipc', message: String(e), field: null });
  }
}

export const api = {
  appInfo: () => call<AppInfo>('app_info'),
  saveSettings: (settings: Settings) => call<void>('save_settings', { settings }),
  networkOnline: () => call<void>('network_online'),
  objectConflicts: (id: string) => call<Conflict[]>('object_conflicts', { id }),
  /** The oldest `limit` local changes the server refused, with its reasons. */
  heldBack: (limit: number) => call<HeldBack[]>('held_back_changes', { limit }),
  /** Puts the held-back changes back in the outbox; answers how many. */
  sendHeldBackAgain: () => call<number>('send_held_back_again'),
  enroll: (code: string, deviceName: string) => call<EnrolledDevice>('enroll_device', { code, deviceName }),
  campaigns: () => call<Campaign[]>('list_campaigns'),
  objects: (campaignId: string, near: GeoPoint | null) => call<ObjectSummary[]>('list_objects', { campaignId, near }),
  nearby: (at: GeoPoint, radiusM: number) => call<string[]>('objects_nearby', { at, radiusM }),
  object: (id: string) => call<ObjectDetail>('get_object', { id }),
  /** Starts a re-audit of an approved object (a new visit pre-filled from it). */
  startReaudit: (id: string) => call<string>('start_reaudit', { id }),
  /** Each visit's verdict, oldest first. */
  visits: (id: string) => call<VisitVerdict[]>('object_visits', { id }),
  createObject: (object: NewObject) => call<string>('create_object', { object }),
  updateRecord: (entity: EntityKind, id: string, fields: Record<string, unknown>) => call<void>('update_record', { entity, id, fields }),
  deleteRecord: (entity: EntityKind, id: string) => call<void>('delete_record', { entity, id }),
  restoreRecord: (entity: EntityKind, id: string) => call<void>('restore_record', { entity, id }),
  addElement: (element: NewElement) => call<string>('add_element', { element }),
  attachPhoto: (subject: 'object' | 'element', subjectId: string, bytes: Uint8Array) =>
    call<Photo>('attach_photo', bytes, { headers: { 'x-subject': subject, 'x-subject-id': subjectId } }),
  thumbnail: async (sha256: string): Promise<string> => {
    const buf = await call<ArrayBuffer>('photo_thumbnail', { sha256 });
    return URL.createObjectURL(new Blob([buf], { type: 'image/jpeg' }));
  },
  /** The photo as stored (the 1600 px copy), as an object URL. */
  photo: async (sha256: string): Promise<string> => {
    const buf = await call<ArrayBuffer>('photo_image', { sha256 });
    return URL.createObjectURL(new Blob([buf], { type: 'image/jpeg' }));
  },
  checklists: () => call<Checklist[]>('checklists'),
  /** The regions, districts and object categories this device knows. */
  catalogue: () => call<Catalogue>('catalogue'),
  normalize: (kind: ElementKind, typed: Record<string, TypedMeasurement>) =>
    call<Record<string, MeasuredValue>>('normalize_measurements', { kind, typed }),
  /** The district `at` is in (a district's boundary, or the objects recorded
   *  around it agreeing), or null. */
  districtNear: (at: GeoPoint) => call<District | null>('district_near', { at }),
  verdict: (id: string) => call<ObjectVerdict>('object_verdict', { id }),
  /** The wheelchair status of each shown card. */
  statuses: (ids: string[]) => call<Record<string, MapStatus>>('object_statuses', { ids }),
  previewElement: (objectId: string, kind: ElementKind, measurements: Record<string, MeasuredValue>) =>
    call<RuleResult[]>('preview_element', { objectId, kind, measurements }),
  submitAudit: (objectId: string) => call<string>('submit_audit', { objectId }),
  sync: (onProgress: (p: SyncProgress) => void) => {
    const channel = new Channel<SyncProgress>();
    channel.onmessage = onProgress;
    return call<SyncProgress>('sync_now', { onProgress: channel });
  },
  /** The size of the basemap kept for offline maps, or null. */
  basemapKept: () => call<number | null>('basemap_kept'),
  basemapDownload: (onProgress: (p: [number, number]) => void) => {
    const channel = new Channel<[number, number]>();
    channel.onmessage = onProgress;
    return call<number>('basemap_download', { onProgress: channel });
  },
  /** Bytes of the kept basemap, as a map reads an archive by range. */
  basemapRead: (offset: number, length: number) => call<ArrayBuffer>('basemap_read', { offset, length }),
};

/** The device's position: the Tauri geolocation plugin on phones, the
 *  webview's navigator.geolocation elsewhere; null when neither answers. */
export async function locate(): Promise<{ lat: number; lon: number; accuracy: number } | null> {
  try {
    const geo = await import('@tauri-apps/plugin-geolocation');
    const p = await geo.getCurrentPosition({ enableHighAccuracy: true, timeout: 10000, maximumAge: 0 });
    return { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy };
  } catch {
    // Desktop: the plugin is mobile-only. Fall through to the webview.
  }
  if (!('geolocation' in navigator)) return null;
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
      () => resolve(null),
      { enableHighAccuracy: true, timeout: 8000, maximumAge: 60000 },
    );
  });
}

/** A position fix: degrees, and its accuracy in metres. */
export type Fix = { lat: number; lon: number; accuracy: number };

/** Follows the device's position, each fix as it comes (the geolocation
 *  plugin on phones, the webview's on desktop), until the returned
 *  function is called. `onFail` hears that no position can be had. */
export async function watchLocation(onFix: (f: Fix) => void, onFail: () => void): Promise<() => void> {
  try {
    const geo = await import('@tauri-apps/plugin-geolocation');
    const id = await geo.watchPosition({ enableHighAccuracy: true, timeout: 15000, maximumAge: 0 }, (p) => {
      if (p) onFix({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy });
      else onFail();
    });
    return () => void geo.clearWatch(id).catch(() => {});
  } catch {
    // Desktop: the plugin is mobile-only. Fall through to the webview.
  }
  if (!('geolocation' in navigator)) {
    onFail();
    return () => {};
  }
  const id = navigator.geolocation.watchPosition(
    (p) => onFix({ lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy }),
    () => onFail(),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 },
  );
  return () => navigator.geolocation.clearWatch(id);
}

/** Listens to the automatic sync: each run's progress and outcome. */
export async function onAutoSync(progress: (p: SyncProgress) => void, outcome: (o: AutoSyncOutcome) => void) {
  await listen<SyncProgress>('sync-progress', (e) => progress(e.payload));
  await listen<AutoSyncOutcome>('auto-sync', (e) => outcome(e.payload));
}
