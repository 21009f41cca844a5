// Shared by the TypeScript bindings tests (`include!`d by core's and the
// server's): exports each listed type, and everything it names, into `$dir`.
// Two types of one TypeScript name would write one file, the second
// silently replacing the first: each name once.
macro_rules! export_each {
    ($dir:expr; $($t:ty),* $(,)?) => {{
        let mut seen = std::collections::BTreeMap::new();
        $(
            let path = <$t as ts_rs::TS>::output_path().expect("an exported type");
            if let Some(other) = seen.insert(path.clone(), std::any::type_name::<$t>()) {
                panic!("{} and {other} both export {}", std::any::type_name::<$t>(), path.display());
            }
            <$t>::export_all_to($dir).unwrap();
        )*
    }};
}
