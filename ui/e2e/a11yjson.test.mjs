// The A11yJSON export, validated with the schema from the npm package
// `@sozialhelden/a11yjson` (the standard's own definitions, through its
// simpl-schema): every PlaceInfo of the demo campaign must be valid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getPlaceInfoSchemaDefinition } from '@sozialhelden/a11yjson';
import SimpleSchema from '@sozialhelden/simpl-schema';
import { TOKEN, tempDir, freePort, startServer, stop } from './harness.mjs';

let server, port;

before(async () => {
  port = await freePort();
  server = await startServer({ dir: tempDir('qadam-a11yjson-'), port });
});

after(async () => {
  await stop(server);
});

test('the A11yJSON export is valid against the A11yJSON schema', async () => {
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/exports/objects.a11yjson?drafts=true`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.equal(r.status, 200);
  const places = await r.json();
  assert.equal(places.length, 36, 'every placed demo object (drafts asked for: the demo audits are submitted, not approved)');
  // The map's wheelchair status of each object, to compare the grades with.
  const map = await (await fetch(`http://127.0.0.1:${port}/api/v1/map`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
  const statusOf = new Map(map.map((p) => [p.id, p.wheelchair]));
  const schema = new SimpleSchema(getPlaceInfoSchemaDefinition());
  for (const place of places) {
    const ctx = schema.newContext();
    ctx.validate(place);
    assert.ok(ctx.isValid(), `${place.properties.name.ru}: ${JSON.stringify(ctx.validationErrors())}`);
    assert.equal(place.geometry.type, 'Point');
    assert.ok(place.geometry.coordinates[0] > 76 && place.geometry.coordinates[1] < 44, 'longitude first');
    // A grade only where К was assessed: the same status as the map's.
    const grade = place.properties.accessibility.wheelchairAccessibilityGrade;
    assert.ok(statusOf.has(place.properties.originalId), 'on the map too');
    const expected = { fully_accessible: 'fully', partially_accessible: 'partially', not_accessible: 'not', not_assessed: undefined };
    assert.equal(grade, expected[statusOf.get(place.properties.originalId)], place.properties.name.ru);
  }
  assert.ok(
    places.some((p) => p.properties.accessibility.wheelchairAccessibilityGrade === 'fully'),
    'the demo has measured, accessible objects',
  );
  // A wrong document is refused by the same schema, so the check can fail.
  const bad = structuredClone(places.find((p) => p.properties.accessibility.wheelchairAccessibilityGrade));
  bad.properties.accessibility.wheelchairAccessibilityGrade = 'somewhat';
  const ctx = schema.newContext();
  ctx.validate(bad);
  assert.equal(ctx.isValid(), false);
});
