//! Where a webhook may point: an `http` or `https` URL whose host resolves to public
//! addresses only, unless private ones are allowed (`TICKETS_WEBHOOK_ALLOW_PRIVATE=1`),
//! so that the server cannot be made to call into its own network (loopback, private
//! ranges, link-local, the cloud metadata address). Checked when a hook is registered and
//! again before each delivery, whose connection then goes to the addresses checked.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

/// Why a URL is refused, in words for the person who typed it (English, French).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressError {
    /// In English.
    pub en: String,
    /// In French.
    pub fr: String,
}

fn refused(en: impl Into<String>, fr: impl Into<String>) -> AddressError {
    AddressError {
        en: en.into(),
        fr: fr.into(),
    }
}

/// Whether `ip` is an address of the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10 (shared address space), 0.0.0.0/8, 192.0.0.0/24, 198.18.0.0/15.
                || (a == 100 && (64..128).contains(&b))
                || a == 0
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 (unique local), fe80::/10 (link-local), 2001:db8::/32 (documentation).
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8))
        }
    }
}

/// Checks `text` as a webhook URL and resolves its host: the URL and the addresses a
/// delivery may connect to.
pub async fn check_url(
    text: &str,
    allow_private: bool,
) -> Result<(Url, Vec<SocketAddr>), AddressError> {
    let url = Url::parse(text.trim()).map_err(|_| {
        refused(
            "not a URL: write it whole, e.g. https://example.org/hooks/tickets",
            "ce n'est pas une adresse web : écrivez-la en entier, par ex. https://example.org/hooks/tickets",
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(refused(
            "only http and https URLs can receive webhooks",
            "seules les adresses http et https peuvent recevoir des webhooks",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refused(
            "a webhook URL carries no user name or password: the signature authenticates",
            "une adresse de webhook ne contient ni nom d'utilisateur ni mot de passe : la signature authentifie",
        ));
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match url.host() {
        Some(Host::Ipv4(ip)) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Some(Host::Ipv6(ip)) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Some(Host::Domain(name)) => tokio::net::lookup_host((name, port))
            .await
            .map_err(|e| {
                refused(
                    format!("the host {name} cannot be found ({e})"),
                    format!("l'hôte {name} est introuvable ({e})"),
                )
            })?
            .collect(),
        None => {
            return Err(refused(
                "the URL names no host",
                "l'adresse ne nomme aucun hôte",
            ));
        }
    };
    if addrs.is_empty() {
        return Err(refused(
            "the host has no address",
            "l'hôte n'a pas d'adresse",
        ));
    }
    if !allow_private && let Some(a) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(refused(
            format!(
                "{} is a private or local address: webhooks go to public addresses only (TICKETS_WEBHOOK_ALLOW_PRIVATE=1 allows others)",
                a.ip()
            ),
            format!(
                "{} est une adresse privée ou locale : les webhooks ne vont qu'à des adresses publiques (TICKETS_WEBHOOK_ALLOW_PRIVATE=1 autorise les autres)",
                a.ip()
            ),
        ));
    }
    Ok((url, addrs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "2001:db8::1",
            "192.0.2.1",
            "198.18.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_any_address_is_used() {
        for bad in [
            "",
            "example.org",
            "ftp://example.org/x",
            "https://user:pw@example.org/",
        ] {
            assert!(check_url(bad, true).await.is_err(), "{bad}");
        }
        for private in [
            "http://127.0.0.1:8080/hook",
            "http://[::1]/hook",
            "http://localhost/hook",
            "http://169.254.169.254/latest",
        ] {
            let err = check_url(private, false).await.unwrap_err();
            assert!(err.en.contains("private or local"), "{private}: {err:?}");
            assert!(
                check_url(private, true).await.is_ok(),
                "{private} when allowed"
            );
        }
        let (url, addrs) = check_url("http://127.0.0.1:9/x", true).await.unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/x");
        assert_eq!(addrs, ["127.0.0.1:9".parse::<SocketAddr>().unwrap()]);
    }
}
