// Text an attacker types on a phone: HTML that runs script if it ever
// reaches an HTML sink (each payload sets `window.__xss`). Shared by the
// dashboard's and the field app's hostile-text tests.
import { randomUUID } from 'node:crypto';

export const HOSTILE = {
  name: '<img src=x onerror="window.__xss=(window.__xss||0)+1">Кафе</b>',
  address: '<script>window.__xss=2</script>ул. <svg onload="window.__xss=3">Абая, 1',
  note: '"><img src=x onerror=window.__xss=4>&lt;b&gt; <a href="javascript:window.__xss=5">x</a>',
  auditor: '<iframe srcdoc="<script>parent.__xss=6</script>"></iframe>Аудитор',
  campaign: '<b onmouseover="window.__xss=7">Кампания</b>',
};

/** The same place as ui/src/lib/domain.ts ALMATY: the map's first centre. */
export const ALMATY = { lat_deg: 43.2389, lon_deg: 76.8897 };

/**
 * The change records of a campaign `campaign` holding one object named
 * with the payloads, a submitted audit by the hostile auditor, and a door
 * whose note is hostile.
 */
export function hostileObject(campaign) {
  const object = randomUUID();
  const audit = randomUUID();
  const element = randomUUID();
  let n = 0;
  const now = Date.now();
  const change = (entity, entity_id, field, value) => ({
    op_id: randomUUID(),
    entity,
    entity_id,
    field,
    value,
    hlc: `${String(now + n++).padStart(15, '0')}-000000`,
    device_id: 'attacker-phone',
    seen_cursor: 0,
  });
  const changes = [
    change('campaign', campaign, 'name', HOSTILE.campaign),
    change('campaign', campaign, 'rule_set', 'us-ada-2010'),
    change('object', object, 'campaign_id', campaign),
    change('object', object, 'name', HOSTILE.name),
    change('object', object, 'address', HOSTILE.address),
    change('object', object, 'category', 'health'),
    change('object', object, 'district', 'almaly'),
    change('object', object, 'location', ALMATY),
    change('audit', audit, 'campaign_id', campaign),
    change('audit', audit, 'object_id', object),
    change('audit', audit, 'auditor', HOSTILE.auditor),
    change('audit', audit, 'started_at_ms', now),
    change('element', element, 'object_id', object),
    change('element', element, 'audit_id', audit),
    change('element', element, 'kind', 'door'),
    change('element', element, 'measurements.clear_width_mm', 900),
    change('element', element, 'note', HOSTILE.note),
    change('audit', audit, 'status', 'submitted'),
    change('audit', audit, 'finished_at_ms', now),
  ];
  return { campaign, object, audit, element, changes };
}
