//! The OpenAPI 3.1 description of the HTTP API, served at
//! `/api/v1/openapi.json`, written from the route table
//! ([`super::routes::OPERATIONS`]) the router is built from. Its schemas
//! are generated from the same Rust types as `schemas/` (schemars), and
//! the API tests check that every operation answers and that bodies match
//! their schemas.

use qadam_core::change::{ErrorBody, PhotoUploadResponse, PullResponse, PushRequest, PushResponse};
use serde_json::{json, Map, Value};

use super::routes::{Answer, OPERATIONS};

/// Real ids of the demo campaign (`serve --demo`), given as examples of
/// path parameters, so that generated requests (schemathesis) reach the
/// handlers' logic instead of 404s.
struct Examples {
    campaign: String,
    object: String,
    audit: String,
}

impl Examples {
    fn of_demo() -> Examples {
        let demo = qadam_core::demo::demo_campaign(1);
        let first = |entity: qadam_core::model::EntityKind| {
            demo.iter().find(|c| c.entity == entity).map(|c| c.entity_id.to_string()).unwrap_or_default()
        };
        use qadam_core::model::EntityKind;
        Examples {
            campaign: first(EntityKind::Campaign),
            object: first(EntityKind::Object),
            audit: first(EntityKind::Audit),
        }
    }

    fn path_example(&self, path: &str, param: &str) -> Option<Value> {
        Some(match param {
            "id" if path.starts_with("/api/v1/campaigns/") => json!(self.campaign),
            "id" if path.starts_with("/api/v1/audits/") => json!(self.audit),
            "id" => json!(self.object),
            "login" => json!("auditor"),
            "file" => json!("objects.csv"),
            "conflict" => json!(1),
            // The fixture photo `tests/schemathesis.sh` uploads first.
            "sha256" => {
                json!(qadam_core::photo::sha256_hex(include_bytes!("../../../fixtures/photos/entrance-gps.jpg")))
            }
            _ => return None,
        })
    }
}

fn schema<T: schemars::JsonSchema>() -> Value {
    let mut v = serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialise");
    // Nested definitions move to components; references are rewritten.
    let defs = v.as_object_mut().and_then(|o| o.remove("$defs"));
    let text = v.to_string().replace("#/$defs/", "#/components/schemas/");
    let mut out: Value = serde_json::from_str(&text).expect("valid JSON");
    if let Some(o) = out.as_object_mut() {
        o.remove("$schema");
        if let Some(defs) = defs {
            o.insert(
                "x-defs".into(),
                serde_json::from_str(&defs.to_string().replace("#/$defs/", "#/components/schemas/"))
                    .expect("valid JSON"),
            );
        }
    }
    out
}

/// A file's schema: JSON documents (GeoJSON, A11yJSON) are JSON values,
/// the others bytes.
fn file_schema(media_type: &str) -> Value {
    if media_type.ends_with("json") {
        json!({"type": ["object", "array"]})
    } else {
        json!({"type": "string", "format": "binary"})
    }
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut components = Map::new();
    for (name, s) in [
        ("PushRequest", schema::<PushRequest>()),
        ("PushResponse", schema::<PushResponse>()),
        ("PullResponse", schema::<PullResponse>()),
        ("PhotoUploadResponse", schema::<PhotoUploadResponse>()),
        ("ErrorBody", schema::<ErrorBody>()),
        ("Me", schema::<crate::service::accounts::Me>()),
        ("EnrollmentResponse", schema::<crate::service::accounts::EnrollmentResponse>()),
        ("EnrolledDevice", schema::<crate::store::accounts::EnrolledDevice>()),
        ("EnrollRequest", schema::<qadam_core::change::EnrollRequest>()),
        ("ReviewRequest", schema::<qadam_core::review::ReviewRequest>()),
        ("Review", schema::<qadam_core::review::Review>()),
        ("Analytics", schema::<qadam_core::analytics::Analytics>()),
        ("Health", schema::<qadam_core::change::Health>()),
        ("Campaign", schema::<qadam_core::model::Campaign>()),
        ("Checklist", schema::<qadam_core::checklist::Checklist>()),
        ("Catalogue", schema::<qadam_core::catalogue::Catalogue>()),
        ("Addition", schema::<qadam_core::catalogue::Addition>()),
        ("MergeRequest", schema::<crate::service::findings::MergeRequest>()),
        ("MergeReport", schema::<crate::service::findings::MergeReport>()),
        ("AssignRequest", schema::<crate::service::assignments::AssignRequest>()),
        ("AssignReport", schema::<crate::service::assignments::AssignReport>()),
        ("Plan", schema::<qadam_core::progress::Plan>()),
        ("PlanProgress", schema::<qadam_core::progress::PlanProgress>()),
        ("Adaptation", schema::<qadam_core::adaptation::Adaptation>()),
        ("NewAdaptations", schema::<qadam_core::adaptation::NewAdaptations>()),
        ("AdaptationUpdate", schema::<qadam_core::adaptation::AdaptationUpdate>()),
        ("AdaptationSummary", schema::<qadam_core::adaptation::AdaptationSummary>()),
        ("ConflictView", schema::<crate::service::conflicts::ConflictView>()),
        ("Change", schema::<qadam_core::change::Change>()),
        ("ObjectSummary", schema::<qadam_core::records::ObjectSummary>()),
        ("DashboardObject", schema::<crate::service::findings::DashboardObject>()),
        ("DuplicateView", schema::<crate::service::findings::DuplicateView>()),
        ("ImportReport", schema::<qadam_core::import::ImportReport>()),
        ("MapPoint", schema::<qadam_core::analytics::MapPoint>()),
        ("QueueItem", schema::<qadam_core::queue::QueueItem>()),
        ("AuditEvent", schema::<qadam_core::review::AuditEvent>()),
        ("Device", schema::<crate::store::accounts::Device>()),
        ("User", schema::<crate::store::accounts::User>()),
        ("BasemapConfig", schema::<crate::basemap::BasemapConfig>()),
        ("NewUser", schema::<crate::service::campaigns::NewUser>()),
        ("NewCampaign", schema::<crate::service::campaigns::NewCampaign>()),
        ("Member", schema::<crate::service::campaigns::Member>()),
        ("MemberRequest", schema::<crate::service::campaigns::MemberRequest>()),
        ("RuleSetInfo", schema::<qadam_core::rules::RuleSetInfo>()),
        ("RuleSet", schema::<qadam_core::rules::RuleSet>()),
        ("RuleSetChoice", schema::<crate::service::campaigns::RuleSetChoice>()),
        ("NormsBundle", schema::<qadam_core::norms::NormsBundle>()),
        ("Team", schema::<crate::store::teams::Team>()),
        ("TeamDeleted", schema::<crate::service::teams::TeamDeleted>()),
        ("TeamRequest", schema::<crate::service::teams::TeamRequest>()),
        ("PublicMap", schema::<qadam_core::public::PublicMap>()),
        ("SearchHit", schema::<qadam_core::public::SearchHit>()),
        ("PublicPlace", schema::<qadam_core::public::PublicPlace>()),
        ("ReportRequest", schema::<crate::service::public::ReportRequest>()),
        ("ReportReceipt", schema::<crate::service::public::ReportReceipt>()),
        ("Report", schema::<crate::store::reports::Report>()),
        ("PhotoVisibility", schema::<crate::service::public::PhotoVisibility>()),
        ("Photo", schema::<qadam_core::model::Photo>()),
        (
            "OpenApiDocument",
            json!({"type": "object", "required": ["openapi", "info", "paths", "components"],
                   "properties": {"openapi": {"const": "3.1.0"}}}),
        ),
        (
            "SessionRequest",
            json!({"oneOf": [
                {"type": "object", "required": ["login", "password"], "additionalProperties": false,
                 "properties": {"login": {"type": "string"}, "password": {"type": "string"}}},
                {"type": "object", "required": ["token"], "additionalProperties": false,
                 "properties": {"token": {"type": "string"}}}
            ]}),
        ),
        (
            "EnrollmentRequest",
            json!({"type": "object", "required": ["login"], "additionalProperties": false,
                   "properties": {"login": {"type": "string"}}}),
        ),
        (
            "Resolution",
            json!({"oneOf": [
                {"type": "object", "required": ["keep"], "additionalProperties": false,
                 "properties": {"keep": {"enum": ["earlier", "later"]}}},
                {"type": "object", "required": ["value"], "additionalProperties": false,
                 "properties": {"value": {}}}
            ]}),
        ),
    ] {
        let mut s = s;
        if let Some(defs) = s.as_object_mut().and_then(|o| o.remove("x-defs")) {
            for (k, v) in defs.as_object().cloned().unwrap_or_default() {
                components.insert(k, v);
            }
        }
        components.insert(name.to_string(), s);
    }
    let examples = Examples::of_demo();
    let mut paths = Map::new();
    for op in OPERATIONS {
        let mut o = json!({
            "summary": op.summary,
            "responses": {
                op.status.to_string(): match op.response {
                    Answer::Json(r) => json!({"description": "success", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}}),
                    Answer::JsonList(r) => json!({"description": "success", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": format!("#/components/schemas/{r}")}}}}}),
                    Answer::File(types) => json!({"description": "success", "content": types.iter().map(|t| (t.to_string(), json!({"schema": file_schema(t)}))).collect::<Map<String, Value>>()}),
                    Answer::Empty => json!({"description": "success, no body"}),
                },
                "4XX": {"description": "a clear error; nothing changed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
            }
        });
        if let Some(r) = op.request {
            o["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}});
        }
        if op.auth {
            o["security"] = json!([{"bearer": []}, {"session": []}]);
        }
        let mut params: Vec<Value> = [
            ("sha256", json!({"type": "string", "pattern": "^[0-9a-f]{64}$"})),
            ("id", json!({"type": "string", "format": "uuid"})),
            ("photo", json!({"type": "string", "format": "uuid"})),
            ("device", json!({"type": "string", "format": "uuid"})),
            ("conflict", json!({"type": "integer", "minimum": 1})),
            ("login", json!({"type": "string", "minLength": 1})),
            (
                "file",
                json!({"enum": ["objects.csv", "elements.csv", "objects.geojson", "objects.a11yjson", "objects.osm"]}),
            ),
        ]
        .into_iter()
        .filter(|(p, _)| op.path.contains(&format!("{{{p}}}")))
        .map(|(p, schema)| {
            let mut param = json!({"name": p, "in": "path", "required": true, "schema": schema});
            if let Some(example) = examples.path_example(op.path, p) {
                param["example"] = example;
            }
            param
        })
        .collect();
        if op.path == "/api/v1/objects"
            || op.path.starts_with("/api/v1/exports")
            || op.path == "/api/v1/reviews"
            || op.path == "/api/v1/map"
            || op.path == "/api/v1/analytics"
            || op.path == "/api/v1/analytics/adaptations"
        {
            params.push(json!({"name": "campaign", "in": "query", "required": false, "schema": {"type": "string", "format": "uuid"}}));
        }
        if op.path.starts_with("/api/v1/exports") {
            params.push(json!({"name": "district", "in": "query", "required": false, "schema": schema::<qadam_core::model::District>()}));
            params.push(json!({"name": "category", "in": "query", "required": false, "schema": schema::<qadam_core::model::Category>()}));
            params.push(json!({"name": "drafts", "in": "query", "required": false, "schema": {"type": "boolean"}}));
        }
        if op.path == "/api/v1/reviews" {
            params.push(json!({"name": "district", "in": "query", "required": false, "schema": schema::<qadam_core::model::District>()}));
            params.push(json!({"name": "auditor", "in": "query", "required": false, "schema": {"type": "string"}}));
            params.push(json!({"name": "status", "in": "query", "required": false, "schema": {"type": "string", "pattern": "^(draft|submitted|in_review|approved|changes_requested|rejected)(,(draft|submitted|in_review|approved|changes_requested|rejected))*$"}}));
        }
        if !params.is_empty() {
            o["parameters"] = Value::Array(params);
        }
        paths.entry(op.path.to_string()).or_insert_with(|| json!({}))[op.method] = o;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Qadam sync API", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "qadam_session"}
            }
        }
    })
}
