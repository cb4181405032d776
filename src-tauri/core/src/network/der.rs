//! Just enough DER to name a certificate's issuer: its common name and organisation.
//! A full X.509 parser is not needed to say who signed a certificate that was already
//! refused, and reads nothing it could be fooled by: the result is only words for a log.

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const OID: u8 = 0x06;
const VERSION: u8 = 0xa0;
const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
const ORGANISATION: &[u8] = &[0x55, 0x04, 0x0a];

/// One element: its tag, its contents, and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |length, &byte| (length << 8) | usize::from(byte));
        (length, &rest[count..])
    };
    (rest.len() >= length).then(|| (tag, &rest[..length], &rest[length..]))
}

fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    element(input).and_then(|(found, contents, rest)| (found == tag).then_some((contents, rest)))
}

/// "Contoso Inspection CA (Contoso)": the issuer's CN and O, as far as they are there.
pub(crate) fn issuer_name(certificate: &[u8]) -> Option<String> {
    let (certificate, _) = expect(certificate, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    if rest.first() == Some(&VERSION) {
        rest = element(rest)?.2;
    }
    let (_, _serial, rest) = element(rest)?;
    let (_algorithm, rest) = expect(rest, SEQUENCE)?;
    let (mut names, _) = expect(rest, SEQUENCE)?;
    let (mut common_name, mut organisation) = (None, None);
    while !names.is_empty() {
        let (set, next) = expect(names, SET)?;
        names = next;
        let mut attributes = set;
        while !attributes.is_empty() {
            let (attribute, next) = expect(attributes, SEQUENCE)?;
            attributes = next;
            let (oid, value) = expect(attribute, OID)?;
            let (_, text, _) = element(value)?;
            let text = String::from_utf8_lossy(text).chars().filter(|c| !c.is_control()).collect::<String>();
            match oid {
                COMMON_NAME => common_name = Some(text),
                ORGANISATION => organisation = Some(text),
                _ => {}
            }
        }
    }
    match (common_name, organisation) {
        (Some(name), Some(organisation)) if name != organisation => Some(format!("{name} ({organisation})")),
        (Some(name), _) | (None, Some(name)) => Some(name),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A certificate made with `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256
    /// -subj "/O=Contoso/CN=Contoso Inspection CA"`, as base64 DER.
    const CONTOSO: &str = "MIIBuDCCAV+gAwIBAgIUSwDeE8Ic3hOPm4Tq2WWQcKhl3OkwCgYIKoZIzj0EAwIwMjEQMA4GA1UECgwHQ29udG9zbzEeMBwGA1UEAwwVQ29udG9zbyBJbnNwZWN0aW9uIENBMB4XDTI2MTIwMTIxMjgyN1oXDTI2MTIwMjIxMjgyN1owMjEQMA4GA1UECgwHQ29udG9zbzEeMBwGA1UEAwwVQ29udG9zbyBJbnNwZWN0aW9uIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEdsHTZ2FGevZ6gB8Do5V3sOBVjLfXqb4UuLw40f6dq2Vlqb8Exdc/eHoTl38QyfacDuI2Hq9w2jGJnNJ9q44hhaNTMFEwHQYDVR0OBBYEFKjvwU+ToyQibRKCh9JwS5UWy6aAMB8GA1UdIwQYMBaAFKjvwU+ToyQibRKCh9JwS5UWy6aAMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIgOBm0OeSeS4IdepSoPTb94Kbx9DGIxb/jQLGv2augpzUCIEUbJUCc17PEuL3guOTXJ37OAUE5EF/Y24PtGhMvL+de";

    #[test]
    fn an_issuer_is_named_by_its_common_name_and_organisation() {
        use base64::Engine as _;
        let der = base64::engine::general_purpose::STANDARD.decode(CONTOSO).unwrap();
        assert_eq!(issuer_name(&der).as_deref(), Some("Contoso Inspection CA (Contoso)"));
    }

    #[test]
    fn what_is_not_a_certificate_names_no_issuer() {
        assert_eq!(issuer_name(b""), None);
        assert_eq!(issuer_name(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), None);
        assert_eq!(issuer_name(&[0x30, 0x03, 0x30, 0x01]), None);
        assert_eq!(issuer_name(b"not DER at all"), None);
    }
}
