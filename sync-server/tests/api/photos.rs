//! Photo uploads: whole and resumable, hash and type checks.

use super::*;

#[tokio::test]
async fn photo_upload_checks_hash_and_type() {
    let s = Server::start().await;
    let jpeg = demo::jpeg_with_exif(400, 300, 6, Some((43.24, 76.95)), "2025:06:01 10:00:00");
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let put = |sha: String, body: Vec<u8>| {
        s.http.put(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).body(body).send()
    };
    // Wrong hash: refused, nothing stored.
    let wrong = qadam_core::photo::sha256_hex(b"something else");
    let r = put(wrong.clone(), jpeg.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "hash_mismatch");
    assert_eq!(s.counts(), (0, 0));
    let r = s.http.get(s.url(&format!("/api/v1/photos/{wrong}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    // Not an image.
    let pdf = b"%PDF-1.4 not a photo".to_vec();
    let r = put(qadam_core::photo::sha256_hex(&pdf), pdf).await.unwrap();
    assert_eq!(r.status().as_u16(), 415);
    // Not a hash at all.
    let r = put("../../etc/passwd".into(), jpeg.clone()).await.unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(s.counts(), (0, 0));
    // Good: 201, then 200.
    assert_eq!(put(sha.clone(), jpeg.clone()).await.unwrap().status().as_u16(), 201);
    assert_eq!(put(sha.clone(), jpeg.clone()).await.unwrap().status().as_u16(), 200);
    assert_eq!(s.counts(), (0, 1));
    let got = s.http.get(s.url(&format!("/api/v1/photos/{sha}"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(got.headers()["content-type"], "image/jpeg");
    assert_eq!(got.bytes().await.unwrap().as_ref(), &jpeg[..]);
    let thumb = s.http.get(s.url(&format!("/api/v1/photos/{sha}/thumb"))).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(thumb.status().as_u16(), 200);
    // Without the token, no photo.
    let r = s.http.get(s.url(&format!("/api/v1/photos/{sha}"))).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
}

#[tokio::test]
async fn an_interrupted_photo_upload_resumes_from_the_byte_the_server_has() {
    let s = Server::start().await;
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/ramp-rotated-gps.jpg")).unwrap();
    let sha = qadam_core::photo::sha256_hex(&jpeg);
    let total = jpeg.len();
    let url = s.url(&format!("/api/v1/photos/{sha}"));
    let patch = |offset: usize, chunk: Vec<u8>| {
        s.http
            .patch(&url)
            .bearer_auth(TOKEN)
            .header("upload-offset", offset.to_string())
            .header("upload-length", total.to_string())
            .body(chunk)
            .send()
    };
    let head = || s.http.head(&url).bearer_auth(TOKEN).send();
    let half = total / 2;
    // The first half arrives; then the connection "drops".
    let r = patch(0, jpeg[..half].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    // The client asks where to continue.
    let r = head().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    // Resending from the start is refused and changes nothing.
    let r = patch(0, jpeg[..half].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(r.headers()["upload-offset"], half.to_string().as_str());
    assert_eq!(s.counts(), (0, 0));
    // The rest completes the photo.
    let r = patch(half, jpeg[half..].to_vec()).await.unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert_eq!(head().await.unwrap().status().as_u16(), 200);
    let got = s.http.get(&url).bearer_auth(TOKEN).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(got.as_ref(), &jpeg[..]);
    // A photo the server has is never taken again.
    let r = patch(0, jpeg.clone()).await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(s.counts(), (0, 1));
}

#[tokio::test]
async fn a_resumed_upload_whose_bytes_do_not_match_the_hash_is_refused() {
    let s = Server::start().await;
    let jpeg = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/photos/entrance-gps.jpg")).unwrap();
    let wrong = qadam_core::photo::sha256_hex(b"another photo");
    let url = s.url(&format!("/api/v1/photos/{wrong}"));
    let r = s
        .http
        .patch(&url)
        .bearer_auth(TOKEN)
        .header("upload-offset", "0")
        .header("upload-length", jpeg.len().to_string())
        .body(jpeg.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let head = s.http.head(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(head.headers()["upload-offset"], "0", "the bad upload is forgotten");
    assert_eq!(s.counts(), (0, 0));
    let r = s.http.patch(&url).bearer_auth(TOKEN).body(jpeg).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "the offset headers are required");
}
