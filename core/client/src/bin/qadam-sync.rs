//! `qadam-sync`: one sync of a device store from the command line, with the
//! app's own client (`qadam-client`, no window, no Tauri) — for field
//! laptops without a display, scripts, and the tests that kill a client
//! mid-upload. Settings (server, token) are the store's, as the app saved
//! them; `QADAM_SERVER_URL` and `QADAM_TOKEN` override them.
//!
//! Usage: `qadam-sync DATA_DIR`

fn main() -> anyhow::Result<()> {
    let dir = std::env::args_os().nth(1).ok_or_else(|| anyhow::anyhow!("usage: qadam-sync DATA_DIR"))?;
    let store = qadam_core::store::Store::open(std::path::Path::new(&dir))?;
    let mut settings = store.settings()?;
    if let Ok(v) = std::env::var("QADAM_SERVER_URL") {
        settings.server_url = v;
    }
    if let Ok(v) = std::env::var("QADAM_TOKEN") {
        settings.token = v;
    }
    store.set_settings(&settings)?;
    let device = qadam_client::Device::new(store);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let done = rt
        .block_on(qadam_client::sync(&device, |p| {
            eprintln!(
                "{:?}: records {}/{}, bytes {}/{}",
                p.phase, p.records_done, p.records_total, p.bytes_done, p.bytes_total
            )
        }))
        .map_err(|e| {
            let d = e.detail();
            anyhow::anyhow!("{}: {}", d.code, d.message)
        })?;
    println!("synced: {} records, {} bytes sent, {} pulled", done.records_done, done.bytes_done, done.pulled);
    Ok(())
}
