//! "Objects within 100 m of me": an R-tree (`rstar`) of object positions
//! as points on a sphere in metres (earth-centred x, y, z), so a radius in
//! metres is a Euclidean radius (the chord, within millimetres of the
//! great-circle distance at these ranges); candidates are then measured
//! exactly (haversine) and sorted nearest first. Built in one bulk load.

use rstar::primitives::GeomWithData;
use rstar::RTree;
use uuid::Uuid;

use crate::model::GeoPoint;

const R_M: f64 = 6_371_008.8;

type Entry = GeomWithData<[f64; 3], (Uuid, GeoPoint)>;

/// Positions of objects, indexed for radius queries.
pub struct NearbyIndex {
    tree: RTree<Entry>,
}

fn xyz(p: GeoPoint) -> [f64; 3] {
    let (la, lo) = (p.lat_deg.to_radians(), p.lon_deg.to_radians());
    [R_M * la.cos() * lo.cos(), R_M * la.cos() * lo.sin(), R_M * la.sin()]
}

impl NearbyIndex {
    pub fn build(points: impl IntoIterator<Item = (Uuid, GeoPoint)>) -> Self {
        let entries: Vec<Entry> = points.into_iter().map(|(id, p)| GeomWithData::new(xyz(p), (id, p))).collect();
        NearbyIndex { tree: RTree::bulk_load(entries) }
    }

    pub fn len(&self) -> usize {
        self.tree.size()
    }

    pub fn is_empty(&self) -> bool {
        self.tree.size() == 0
    }

    /// Objects within `radius_m` of `at`, nearest first, with their distance.
    pub fn within(&self, at: GeoPoint, radius_m: f64) -> Vec<(Uuid, f64)> {
        // The chord of an arc is shorter than the arc: search by the arc's
        // chord plus a millimetre, then measure exactly.
        let chord = 2.0 * R_M * (radius_m / (2.0 * R_M)).min(std::f64::consts::FRAC_PI_2).sin() + 1e-3;
        let mut out: Vec<(Uuid, f64)> = self
            .tree
            .locate_within_distance(xyz(at), chord * chord)
            .map(|e| (e.data.0, at.distance_m(&e.data.1)))
            .filter(|(_, d)| *d <= radius_m)
            .collect();
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out
    }
}

/// The same answer by a scan of every point: the baseline the index is
/// measured against, and its oracle in tests.
pub fn within_linear(points: &[(Uuid, GeoPoint)], at: GeoPoint, radius_m: f64) -> Vec<(Uuid, f64)> {
    let mut out: Vec<(Uuid, f64)> =
        points.iter().map(|(id, p)| (*id, at.distance_m(p))).filter(|(_, d)| *d <= radius_m).collect();
    out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn points(seed: u64, n: usize) -> Vec<(Uuid, GeoPoint)> {
        let mut rng = crate::demo::SplitMix::new(seed);
        (0..n)
            .map(|_| {
                let p = GeoPoint { lat_deg: 43.15 + rng.unit() * 0.2, lon_deg: 76.75 + rng.unit() * 0.3 };
                (rng.uuid_v7(1), p)
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn the_index_answers_exactly_what_a_scan_answers(seed in any::<u64>(), qlat in 43.15f64..43.35, qlon in 76.75f64..77.05, r in 1f64..2_000.0) {
            let pts = points(seed, 3_000);
            let index = NearbyIndex::build(pts.iter().copied());
            let at = GeoPoint { lat_deg: qlat, lon_deg: qlon };
            prop_assert_eq!(index.within(at, r), within_linear(&pts, at, r));
        }
    }

    #[test]
    fn a_point_at_the_radius_is_in_and_one_just_beyond_is_out() {
        let at = GeoPoint { lat_deg: 43.25, lon_deg: 76.9 };
        let north = |m: f64| GeoPoint { lat_deg: 43.25 + m / 111_195.08, lon_deg: 76.9 };
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let index = NearbyIndex::build([(a, north(99.9)), (b, north(100.2))]);
        let found = index.within(at, 100.0);
        assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), vec![a]);
        assert!(index.within(at, 0.5).is_empty());
        assert_eq!(index.len(), 2);
    }
}
