//! Every object evaluated under its campaign's rule set, kept until the
//! store changes: the map, analytics and exports of a 25,000-object city
//! read it without re-evaluating each object on every request. The key is
//! the store's newest cursor, read before evaluating, so a change that lands
//! meanwhile only makes the next request evaluate again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use qadam_core::records::EvaluatedObject;
use qadam_core::StoreError;
use uuid::Uuid;

use crate::store::SyncStore;

type Entry = (i64, Arc<Vec<EvaluatedObject>>);

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
        if let Some(objects) = self.cached(campaign, store.cursor()?) {
            return Ok(objects);
        }
        let _one = self.evaluating.lock().unwrap_or_else(|p| p.into_inner());
        let cursor = store.cursor()?;
        if let Some(objects) = self.cached(campaign, cursor) {
            return Ok(objects);
        }
        let objects = Arc::new(store.export(campaign, &|_| true)?);
        let mut cache = self.by_campaign.lock().unwrap_or_else(|p| p.into_inner());
        // Only the newest state is worth keeping.
        cache.retain(|_, (at, _)| *at == cursor);
        cache.insert(campaign, (cursor, objects.clone()));
        Ok(objects)
    }

    fn cached(&self, campaign: Option<Uuid>, cursor: i64) -> Option<Arc<Vec<EvaluatedObject>>> {
        let cache = self.by_campaign.lock().unwrap_or_else(|p| p.into_inner());
        cache.get(&campaign).filter(|(at, _)| *at == cursor).map(|(_, objects)| objects.clone())
    }
}
