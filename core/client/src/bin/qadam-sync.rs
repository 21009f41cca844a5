//! `qadam-sync`: one sync of a device store from the command line, with the
//! app's own client (`qadam-client`, no window, no Tauri) — for field
//! laptops without a display, scripts, and the tests that kill a client
//! mid-upload. Settings (server, token) are the store's, as the app saved
//! them; `QADAM_SERVER_URL` and `QADAM_TOKEN` override them.
//!
//! Changes the server refused for themselves are held back and listed
//! after the sync, with its reasons; `--send-again` puts them back in the
//! outbox first (once the reason is dealt with).
//!
//! Usage: `qadam-sync [--send-again] DATA_DIR`

fn main() -> anyhow::Result<()> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let send_again = args.first().is_some_and(|a| a == "--send-again");
    if send_again {
        args.remove(0);
    }
    let dir = args.first().ok_or_else(|| anyhow::anyhow!("usage: qadam-sync [--send-again] DATA_DIR"))?;
    let mut store = qadam_core::store::Store::open(std::path::Path::new(dir))?;
    if send_again {
        eprintln!("{} held-back changes go again", store.send_held_back_again()?);
    }
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
    let held = device.blocking(|s| s.held_back(u32::MAX))?;
    for h in &held {
        let c = &h.change;
        eprintln!("held back: {} {} {} = {}: {}", c.entity.as_str(), c.entity_id, c.field, c.value, h.reason.message);
    }
    if !held.is_empty() {
        eprintln!("{} changes held back; run again with --send-again once the server may take them", held.len());
    }
    Ok(())
}
