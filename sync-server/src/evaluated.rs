//! Every object evaluated under its campaign's rule set, kept until the
//! store changes: the map, analytics and exports of a 25,000-object city
//! read it without re-evaluating each object on every request. The key is
//! the store's newest cursor, read before evaluating, so a change that lands
//! meanwhile only makes the next request evaluate again, and the version of
//! the norms evaluated with (an added rule set changes verdicts too).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use qadam_core::records::EvaluatedObject;
use qadam_core::StoreError;
use uuid::Uuid;

use crate::store::SyncStore;

/// What a cached evaluation is current for: the store's cursor and the
/// norms' version.
pub type StateKey = (i64, String);

/// The store's state as evaluations see it.
pub fn state_key(store: &dyn SyncStore) -> Result<StateKey, StoreError> {
    Ok((store.cursor()?, store.norms().version().to_string()))
}

type Entry = (StateKey, Arc<Vec<EvaluatedObject>>);

#[derive(Default)]
pub struct Evaluated {
    by_campaign: Mutex<HashMap<Option<Uuid>, Entry>>,
    /// One evaluation at a time: the dashboard asks for the map, the review
    /// queue and the conflicts at once, and requests that come while the
    /// city is evaluated wait for that evaluation and read it instead of
    /// running another beside it (on two cores, that doubled the first load).
    evaluating: Mutex<()>,
}

impl Evaluated {
    /// The evaluated objects of one campaign (or all), current as of now.
    pub fn get(&self, store: &dyn SyncStore, campaign: Option<Uuid>) -> Result<Arc<Vec<EvaluatedObject>>, StoreError> {
        if let Some(objects) = self.cached(campaign, &state_key(store)?) {
            return Ok(objects);
        }
        let _one = self.evaluating.lock().unwrap_or_else(|p| p.into_inner());
        let key = state_key(store)?;
        if let Some(objects) = self.cached(campaign, &key) {
            return Ok(objects);
        }
        let objects = Arc::new(store.export(campaign, &|_| true)?);
        let mut cache = self.by_campaign.lock().unwrap_or_else(|p| p.into_inner());
        // Only the newest state is worth keeping.
        cache.retain(|_, (at, _)| *at == key);
        cache.insert(campaign, (key, objects.clone()));
        Ok(objects)
    }

    fn cached(&self, campaign: Option<Uuid>, key: &StateKey) -> Option<Arc<Vec<EvaluatedObject>>> {
        let cache = self.by_campaign.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(&campaign).filter(|(at, _)| at == key).map(|(_, objects)| objects.clone())
    }
}

/// What the public may read, built from [`Evaluated`] (every campaign) when
/// the store changes: the published objects (approved audits only, see
/// `qadam_core::public`), the map's index, and each object's public photos
/// and approvals.
pub struct Published {
    /// The store's cursor and norms this was built at.
    pub key: StateKey,
    pub objects: Vec<EvaluatedObject>,
    pub index: Vec<qadam_core::public::Indexed>,
    by_id: HashMap<Uuid, usize>,
    pub photos: HashMap<Uuid, Vec<qadam_core::model::Photo>>,
    pub approvals: HashMap<Uuid, Vec<qadam_core::review::Review>>,
    /// The blobs of the public photos of published objects.
    shas: std::collections::HashSet<String>,
}

impl Published {
    pub fn object(&self, id: Uuid) -> Option<&EvaluatedObject> {
        self.by_id.get(&id).map(|i| &self.objects[*i])
    }

    /// Whether a blob is a public photo of a published object.
    pub fn is_public_photo(&self, sha256: &str) -> bool {
        self.shas.contains(sha256)
    }
}

#[derive(Default)]
pub struct PublishedCache {
    current: Mutex<Option<Arc<Published>>>,
    building: Mutex<()>,
}

impl PublishedCache {
    /// The published objects, current as of now.
    pub fn get(&self, store: &dyn SyncStore, evaluated: &Evaluated) -> Result<Arc<Published>, StoreError> {
        let cached =
            |key: &StateKey| self.current.lock().unwrap_or_else(|p| p.into_inner()).clone().filter(|p| p.key == *key);
        if let Some(p) = cached(&state_key(store)?) {
            return Ok(p);
        }
        let _one = self.building.lock().unwrap_or_else(|p| p.into_inner());
        let key = state_key(store)?;
        if let Some(p) = cached(&key) {
            return Ok(p);
        }
        let all = evaluated.get(store, None)?;
        let mut photo_rows = Vec::new();
        store.read(&mut |src| {
            photo_rows = qadam_core::records::load_all::<qadam_core::model::Photo, _>(
                src,
                qadam_core::model::EntityKind::Photo,
            )?;
            Ok(())
        })?;
        let mut photos: HashMap<Uuid, Vec<qadam_core::model::Photo>> = HashMap::new();
        for p in photo_rows.into_iter().filter(|p| p.public) {
            if let Some(o) = p.object_id {
                photos.entry(o).or_default().push(p);
            }
        }
        let covers: HashMap<Uuid, (u32, String)> = photos
            .iter()
            .map(|(o, list)| (*o, (list.len() as u32, list.first().map(|p| p.sha256.clone()).unwrap_or_default())))
            .collect();
        let objects = qadam_core::public::publish(&all, &store.norms(), &covers);
        let object_of: HashMap<Uuid, Uuid> =
            objects.iter().flat_map(|o| o.audits.iter().map(move |a| (a.id, o.object.id))).collect();
        let mut approvals: HashMap<Uuid, Vec<qadam_core::review::Review>> = HashMap::new();
        for r in store.reviews()? {
            if r.to_status == Some(qadam_core::model::AuditStatus::Approved) {
                if let Some(o) = r.audit_id.and_then(|a| object_of.get(&a)) {
                    approvals.entry(*o).or_default().push(r);
                }
            }
        }
        let by_id: HashMap<Uuid, usize> = objects.iter().enumerate().map(|(i, o)| (o.object.id, i)).collect();
        photos.retain(|o, _| by_id.contains_key(o));
        let published = Arc::new(Published {
            key,
            index: qadam_core::public::index(&objects),
            shas: photos.values().flatten().map(|p| p.sha256.clone()).collect(),
            by_id,
            objects,
            photos,
            approvals,
        });
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = Some(published.clone());
        Ok(published)
    }
}
