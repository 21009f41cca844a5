//! Objects that are probably one place recorded twice: near each other and
//! named alike. A city's register, an OpenStreetMap extract and the
//! auditors' own records overlap, and a place audited under two records
//! has two verdicts. These are candidates for a coordinator, who merges
//! them or keeps both (a pharmacy and a bank in one building are two
//! places, as are "School No. 5" and "School No. 6" side by side).
//!
//! Pure: the caller gives names and positions and reads pairs of indices.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::model::GeoPoint;
use crate::nearby::NearbyIndex;

/// How far apart two records of one place may be: a phone's GPS beside a
/// register's geocoded address, in a city of large plots.
pub const DUPLICATE_RADIUS_M: f64 = 75.0;

/// How alike two names must be (Dice coefficient of their character
/// trigrams, in ‰) for two nearby records to be one place.
pub const NAME_SIMILARITY_MIN_PERMILLE: u32 = 600;

/// A place as the search needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub location: Option<GeoPoint>,
}

/// Two records (indices into the list searched) that are probably one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicatePair {
    pub first: u32,
    pub second: u32,
    /// Between their positions; none when either has no position (then
    /// their names and addresses are the same).
    pub distance_m: Option<u32>,
    pub name_similarity_permille: u32,
}

/// A name as compared: lower case, `ё` as `е`, every run of anything but
/// letters and digits one space, a number apart from the word it is stuck
/// to ("Школа-гимназия №5" and "школа гимназия № 5" both read "школа
/// гимназия 5").
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if c == 'ё' { 'е' } else { c };
        if c.is_alphanumeric() {
            // A number and a word are separate tokens ("школа5").
            if out.chars().last().is_some_and(|p| p.is_ascii_digit() != c.is_ascii_digit() && p != ' ') {
                out.push(' ');
            }
            out.push(c);
        } else if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}

/// The numbers a name carries ("5" of "Школа № 5"): two names whose numbers
/// differ are two places, however alike the rest.
fn numbers(normalised: &str) -> BTreeSet<&str> {
    normalised.split(' ').filter(|w| w.chars().all(|c| c.is_ascii_digit())).collect()
}

/// The set of character trigrams of a normalised name, padded with a space
/// at each end (" ab", "abc", "bc " for "abc").
fn trigrams(normalised: &str) -> BTreeSet<[char; 3]> {
    let chars: Vec<char> = std::iter::once(' ').chain(normalised.chars()).chain(std::iter::once(' ')).collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// How alike two names are, in ‰: the Dice coefficient of their trigram
/// sets (2 × shared / (size of one + size of the other)), after
/// [`normalise`]. 1000 for the same name, 0 for nothing in common.
pub fn name_similarity_permille(a: &str, b: &str) -> u32 {
    Name::new(a).similarity(&Name::new(b))
}

/// A name read once for comparing: normalised, its numbers and trigrams.
struct Name {
    normalised: String,
    trigrams: BTreeSet<[char; 3]>,
}

impl Name {
    fn new(name: &str) -> Self {
        let normalised = normalise(name);
        Name { trigrams: trigrams(&normalised), normalised }
    }

    fn similarity(&self, other: &Name) -> u32 {
        let (a, b) = (&self.trigrams, &other.trigrams);
        if a.is_empty() && b.is_empty() {
            return 1000;
        }
        let shared = a.intersection(b).count();
        ((2000 * shared) as f64 / (a.len() + b.len()) as f64).round() as u32
    }

    /// Whether two names may be one place: alike enough, and carrying the
    /// same numbers when both carry any.
    fn matches(&self, other: &Name) -> Option<u32> {
        let (numa, numb) = (numbers(&self.normalised), numbers(&other.normalised));
        if !numa.is_empty() && !numb.is_empty() && numa != numb {
            return None;
        }
        let similarity = self.similarity(other);
        (similarity >= NAME_SIMILARITY_MIN_PERMILLE).then_some(similarity)
    }
}

/// Every pair of `places` that is probably one place, each pair once
/// (`first < second`), in order. Positioned places are paired within
/// [`DUPLICATE_RADIUS_M`]; a place without a position only with one of the
/// same name and the same (non-empty) address.
pub fn find(places: &[Candidate<'_>]) -> Vec<DuplicatePair> {
    let names: Vec<Name> = places.iter().map(|p| Name::new(p.name)).collect();
    let addresses: Vec<String> = places.iter().map(|p| normalise(p.address)).collect();
    let key = |i: usize| Uuid::from_u128(i as u128);
    let index = NearbyIndex::build(places.iter().enumerate().filter_map(|(i, p)| Some((key(i), p.location?))));
    let pair = |i: usize, j: usize, distance_m: Option<u32>, similarity: u32| DuplicatePair {
        first: i as u32,
        second: j as u32,
        distance_m,
        name_similarity_permille: similarity,
    };
    let mut out = Vec::new();
    for (i, p) in places.iter().enumerate() {
        match p.location {
            Some(at) => {
                for (other, d) in index.within(at, DUPLICATE_RADIUS_M) {
                    let j = other.as_u128() as usize;
                    if j > i {
                        if let Some(similarity) = names[i].matches(&names[j]) {
                            out.push(pair(i, j, Some(d.round() as u32), similarity));
                        }
                    }
                }
            }
            None if !addresses[i].is_empty() => {
                for j in i + 1..places.len() {
                    if addresses[j] == addresses[i] && names[j].normalised == names[i].normalised {
                        out.push(pair(i, j, None, 1000));
                    }
                }
            }
            None => {}
        }
    }
    out.sort_by_key(|p| (p.first, p.second));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A point `north_m` metres north of (43.25, 76.95).
    fn at(north_m: f64) -> Option<GeoPoint> {
        Some(GeoPoint { lat_deg: 43.25 + north_m / 111_195.0, lon_deg: 76.95 })
    }

    fn place<'a>(name: &'a str, location: Option<GeoPoint>) -> Candidate<'a> {
        Candidate { name, address: "", location }
    }

    #[test]
    fn names_are_read_without_case_punctuation_or_yo() {
        // "№" is a sign, not a letter: dropped like the hyphen.
        assert_eq!(normalise("Школа-гимназия №5"), "школа гимназия 5");
        assert_eq!(normalise("  ШКОЛА ГИМНАЗИЯ № 5 "), "школа гимназия 5");
        assert_eq!(normalise("Школа5"), "школа 5");
        assert_eq!(normalise("«Ёлочка»"), "елочка");
    }

    #[test]
    fn similarity_is_the_dice_coefficient_of_trigrams() {
        // " ab", "abc", "bc " against " ab", "abd", "bd ": one shared of
        // three and three, 2 × 1 / 6.
        assert_eq!(name_similarity_permille("abc", "abd"), 333);
        assert_eq!(name_similarity_permille("Аптека", "аптека!"), 1000);
        assert_eq!(name_similarity_permille("abc", "xyz"), 0);
    }

    #[test]
    fn one_place_recorded_twice_is_found_and_neighbours_are_not() {
        let places = [
            place("Школа-гимназия № 5", at(0.0)),
            place("школа гимназия №5", at(20.0)),
            // Next door, another number: another school.
            place("Школа-гимназия № 6", at(10.0)),
            // The same building, another place.
            place("Аптека", at(5.0)),
            place("Банк", at(5.0)),
            // The same chain 500 m away: another branch.
            place("Аптека", at(500.0)),
        ];
        assert_eq!(
            find(&places),
            vec![DuplicatePair { first: 0, second: 1, distance_m: Some(20), name_similarity_permille: 1000 }]
        );
    }

    #[test]
    fn without_a_position_only_the_same_name_at_the_same_address_is_paired() {
        let places = [
            Candidate { name: "Музей", address: "ул. Абая, 1", location: None },
            Candidate { name: "музей", address: "ул Абая 1", location: None },
            Candidate { name: "Музей", address: "ул. Абая, 2", location: None },
            Candidate { name: "Музей", address: "", location: None },
            Candidate { name: "Музей", address: "", location: None },
        ];
        assert_eq!(
            find(&places),
            vec![DuplicatePair { first: 0, second: 1, distance_m: None, name_similarity_permille: 1000 }]
        );
    }

    proptest! {
        /// The index finds exactly the pairs a comparison of every pair
        /// finds (the positioned ones), each once.
        #[test]
        fn the_index_misses_no_pair(points in proptest::collection::vec((0.0f64..300.0, 0.0f64..300.0, 0usize..4), 0..40)) {
            const NAMES: [&str; 4] = ["Аптека № 1", "аптека №1", "Аптека № 2", "Банк"];
            let places: Vec<Candidate<'_>> = points
                .iter()
                .map(|(n, e, k)| Candidate {
                    name: NAMES[*k],
                    address: "",
                    location: Some(GeoPoint { lat_deg: 43.25 + n / 111_195.0, lon_deg: 76.95 + e / 81_000.0 }),
                })
                .collect();
            let mut want = Vec::new();
            for i in 0..places.len() {
                for j in i + 1..places.len() {
                    let d = places[i].location.unwrap().distance_m(&places[j].location.unwrap());
                    if d <= DUPLICATE_RADIUS_M {
                        if let Some(similarity) = Name::new(places[i].name).matches(&Name::new(places[j].name)) {
                            want.push(DuplicatePair {
                                first: i as u32,
                                second: j as u32,
                                distance_m: Some(d.round() as u32),
                                name_similarity_permille: similarity,
                            });
                        }
                    }
                }
            }
            prop_assert_eq!(find(&places), want);
        }
    }
}
