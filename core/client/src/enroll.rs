//! Enrollment: a one-time code (or the link of its QR code) from the
//! coordinator becomes a device token bound to the auditor's account.

use qadam_core::change::{EnrollRequest, EnrolledDevice};

use crate::transport::base_of;
use crate::{ClientError, Device, Transport};

/// Where an enrollment code points: a `qadam://enroll?server=…&code=…` link
/// (the QR code) gives both; a bare code uses the server in Settings.
pub fn parse_enrollment(input: &str, server_url: &str) -> Result<(String, String), ClientError> {
    let input = input.trim();
    if let Some(query) = input.strip_prefix("qadam://enroll?") {
        let mut server = None;
        let mut code = None;
        for pair in query.split('&') {
            if let Some((k, v)) = pair.split_once('=') {
                let v = percent_decode(v);
                match k {
                    "server" => server = Some(v),
                    "code" => code = Some(v),
                    _ => {}
                }
            }
        }
        return match (server, code) {
            (Some(s), Some(c)) => Ok((s, c)),
            _ => Err(ClientError::BadLink),
        };
    }
    if input.is_empty() {
        return Err(ClientError::NoCode);
    }
    if server_url.trim().is_empty() {
        return Err(ClientError::NoServerForCode);
    }
    Ok((server_url.trim().to_string(), input.to_string()))
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() && s.is_char_boundary(i + 1) && s.is_char_boundary(i + 3) {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Enrolls the device with a code or link: the server's device token
/// replaces any token in Settings, and the server address is the one the
/// code was redeemed at. Nothing else on the device changes (the auditor's
/// name is filled in only when blank).
pub async fn enroll(device: &Device, input: &str, device_name: &str) -> Result<EnrolledDevice, ClientError> {
    let settings = device.with(|s| s.settings()).await?;
    let (server, code) = parse_enrollment(input, &settings.server_url)?;
    let enrolled = Transport::enroll(&server, &EnrollRequest { code, device_name: device_name.to_string() }).await?;
    let (base, got) = (base_of(&server), enrolled.clone());
    device
        .with(move |s| {
            let mut settings = s.settings()?;
            settings.server_url = base;
            settings.token = got.token;
            settings.auditor_login = got.user_login;
            if settings.auditor_name.trim().is_empty() {
                settings.auditor_name = got.user_name;
            }
            s.set_settings(&settings)
        })
        .await?;
    Ok(enrolled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_links_and_bare_codes_are_understood() {
        let code = |r: Result<(String, String), ClientError>| r.unwrap_err().detail().code;
        let (s, c) =
            parse_enrollment("qadam://enroll?server=http%3A%2F%2F10.0.0.2%3A8787&code=ABCD-EFGH-JK", "").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("http://10.0.0.2:8787", "ABCD-EFGH-JK"));
        let (s, c) = parse_enrollment(" abcd efgh jk ", "http://x:1").unwrap();
        assert_eq!((s.as_str(), c.as_str()), ("http://x:1", "abcd efgh jk"));
        assert_eq!(code(parse_enrollment("ABCD", "")), qadam_core::ErrorCode::NoServer);
        assert_eq!(code(parse_enrollment("", "http://x")), qadam_core::ErrorCode::NoCode);
        assert_eq!(code(parse_enrollment("qadam://enroll?code=X", "")), qadam_core::ErrorCode::BadLink);
    }
}
