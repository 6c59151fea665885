//! What `REDIS_URL` points at: one Redis server, the nodes of a Redis Cluster, or the
//! sentinels that know where the primary is.
//!
//! - `redis://host:port[/db]` (any URL the `redis` crate reads): one server, as always.
//! - `redis+cluster://[user:password@]host:port,host:port[/]`: a cluster, given by one or
//!   more of its nodes (the others are discovered).
//! - `redis+sentinel://[user:password@]host:port,host:port/<primary name>[?db=N]`: the
//!   primary that Redis Sentinel names (`sentinel.rs`).
//! - a comma list of nodes, each `redis://[user:password@]host:port` or `host:port`:
//!   a cluster too. A URL that the `redis` crate reads whole (a comma in a password, say)
//!   stays one server.
//!
//! Messages never repeat what could be a password: a node of a list is named by its
//! position, and its text only when nothing in it can be a credential.

use redis::{ConnectionInfo, IntoConnectionInfo};

use super::sentinel::{SENTINEL_SCHEME, SentinelTarget};
use crate::error::ValidationError;

/// The scheme of the cluster form.
pub(crate) const CLUSTER_SCHEME: &str = "redis+cluster://";

/// What a URL names.
#[derive(Debug)]
pub(crate) enum Target {
    /// One server: the URL goes to the `redis` crate unchanged.
    Single,
    /// A cluster, through these nodes (at least one).
    Cluster(Vec<ConnectionInfo>),
    /// The primary the sentinels name.
    Sentinel(SentinelTarget),
}

impl Target {
    /// Reads a URL. Only the cluster and Sentinel forms are checked here; a single
    /// server's URL is checked by the `redis` crate when the backend is built.
    pub(crate) fn parse(url: &str) -> Result<Self, ValidationError> {
        let url = url.trim();
        let has_scheme = |scheme: &str| {
            url.get(..scheme.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        };
        if has_scheme(CLUSTER_SCHEME) {
            cluster_form(&url[CLUSTER_SCHEME.len()..]).map(Target::Cluster)
        } else if has_scheme(SENTINEL_SCHEME) {
            SentinelTarget::parse(&url[SENTINEL_SCHEME.len()..]).map(Target::Sentinel)
        } else if url.contains(',') && url.into_connection_info().is_err() {
            list_form(url).map(Target::Cluster)
        } else {
            Ok(Target::Single)
        }
    }
}

fn invalid(why: impl std::fmt::Display) -> ValidationError {
    ValidationError::new(
        "redis_url",
        format!(
            "not a usable Redis Cluster URL ({why}); write \
             redis+cluster://host:port,host:port or a comma list such as \
             redis://host:port,redis://host:port"
        ),
    )
}

/// `[user:password@]host:port,host:port[/]`, after the scheme.
fn cluster_form(rest: &str) -> Result<Vec<ConnectionInfo>, ValidationError> {
    if rest.contains("://") {
        return Err(invalid(format!(
            "only host:port pairs may follow {CLUSTER_SCHEME}"
        )));
    }
    let (userinfo, hosts) = match rest.rfind('@') {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    if hosts.contains('?') || hosts.contains('#') {
        return Err(invalid("options after the nodes are not supported"));
    }
    let hosts = match hosts.find('/') {
        Some(slash) => match &hosts[slash..] {
            "/" | "/0" => &hosts[..slash],
            _ => return Err(invalid("a Redis Cluster has only database 0")),
        },
        None => hosts,
    };
    let credentials = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    nodes(hosts, |_, node| Ok(format!("redis://{credentials}{node}")))
}

/// `redis://…,redis://…` or `host:port,host:port`.
fn list_form(list: &str) -> Result<Vec<ConnectionInfo>, ValidationError> {
    nodes(list, |i, node| match node.find("://") {
        Some(s) if node[..s].eq_ignore_ascii_case("redis") => Ok(node.to_owned()),
        Some(_) => Err(invalid(format!(
            "{} must be redis://host:port or host:port",
            node_name(i, node)
        ))),
        None => Ok(format!("redis://{node}")),
    })
}

/// Splits a comma list and reads each node (`i` from 1) through `url_of`.
fn nodes(
    list: &str,
    url_of: impl Fn(usize, &str) -> Result<String, ValidationError>,
) -> Result<Vec<ConnectionInfo>, ValidationError> {
    let mut out = Vec::new();
    for (i, node) in list.split(',').map(str::trim).enumerate() {
        let i = i + 1;
        if node.is_empty() {
            return Err(invalid(format!("node {i} of the list is empty")));
        }
        let info = url_of(i, node)?
            .into_connection_info()
            .map_err(|e| invalid(format!("{}: {e}", node_name(i, node))))?;
        if info.redis_settings().db() != 0 {
            return Err(invalid("a Redis Cluster has only database 0"));
        }
        out.push(info);
    }
    Ok(out)
}

/// Node `i` as a message may name it: its position, with what follows `@` when it has
/// credentials, or its text when it cannot hold any (`host:port`); a `scheme://…` without
/// `@` may be the end of a password cut by a comma, so its text is not shown.
fn node_name(i: usize, node: &str) -> String {
    match (node.find("://"), node.rfind('@')) {
        (_, Some(at)) => format!("node {i} of the list (…@{})", &node[at + 1..]),
        (None, None) => format!("node {i} of the list ({node})"),
        (Some(_), None) => format!("node {i} of the list"),
    }
}

#[cfg(test)]
mod tests {
    use redis::ConnectionAddr;

    use super::*;

    fn addrs(url: &str) -> Vec<String> {
        match Target::parse(url).unwrap() {
            Target::Cluster(nodes) => nodes
                .iter()
                .map(|n| match n.addr() {
                    ConnectionAddr::Tcp(h, p) => format!("{h}:{p}"),
                    other => panic!("not TCP: {other:?}"),
                })
                .collect(),
            other => panic!("{url} read as {other:?}"),
        }
    }

    fn reason(url: &str) -> String {
        let e = Target::parse(url).unwrap_err();
        assert_eq!(e.field, "redis_url");
        e.reason
    }

    #[test]
    fn a_plain_url_is_a_single_server() {
        for url in [
            "redis://127.0.0.1:6379",
            "redis://:secret@10.0.0.1:6380/2",
            " redis://localhost ",
            // A comma in a password: the URL reads whole, so it is one server.
            "redis://user:top,secret@10.0.0.1:6379",
            "redis://:a,b,c@10.0.0.1:6379/1",
        ] {
            assert!(matches!(Target::parse(url), Ok(Target::Single)), "{url}");
        }
    }

    #[test]
    fn the_cluster_scheme_lists_nodes() {
        assert_eq!(
            addrs("redis+cluster://10.0.0.1:7000,10.0.0.2:7001"),
            ["10.0.0.1:7000", "10.0.0.2:7001"]
        );
        assert_eq!(addrs("REDIS+CLUSTER://node-a:7000/"), ["node-a:7000"]);
        assert_eq!(
            addrs("redis+cluster://a:7000, b:7001 ,c/0"),
            ["a:7000", "b:7001", "c:6379"]
        );
        let Target::Cluster(nodes) =
            Target::parse("redis+cluster://app:s3cret@a:7000,b:7001").unwrap()
        else {
            panic!("a cluster")
        };
        for n in &nodes {
            assert_eq!(n.redis_settings().username(), Some("app"));
            assert_eq!(n.redis_settings().password(), Some("s3cret"));
        }
    }

    #[test]
    fn the_sentinel_scheme_names_sentinels_and_a_primary() {
        for url in [
            "redis+sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster",
            " REDIS+SENTINEL://app:pw@s1/office?db=2 ",
        ] {
            assert!(
                matches!(Target::parse(url), Ok(Target::Sentinel(_))),
                "{url}"
            );
        }
        let e = Target::parse("redis+sentinel://app:pw@s1,s2").expect_err("no name");
        assert!(e.reason.contains("Redis Sentinel"), "{}", e.reason);
        assert!(
            !e.reason.contains("pw"),
            "a password in a message: {}",
            e.reason
        );
    }

    #[test]
    fn a_comma_list_is_a_cluster() {
        assert_eq!(
            addrs("redis://127.0.0.1:7000,redis://127.0.0.1:7001"),
            ["127.0.0.1:7000", "127.0.0.1:7001"]
        );
        assert_eq!(
            addrs("127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002"),
            ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]
        );
        assert_eq!(
            addrs("redis://:pw@a:7000,b:7001"),
            ["a:7000", "b:7001"],
            "forms may be mixed"
        );
    }

    #[test]
    fn broken_cluster_urls_say_what_is_wrong() {
        assert!(reason("redis+cluster://").contains("empty"));
        // A list whose first piece ends inside a password: the message names the node by
        // its position and never shows the fragment.
        let r = reason("redis://user:pass,word@a:1,b:2");
        assert!(r.contains("node 1 of the list"), "{r}");
        assert!(
            !r.contains("pass") && !r.contains("word"),
            "a password in a message: {r}"
        );
        assert!(reason("redis+cluster://a:7000,,b:7001").contains("empty"));
        assert!(reason("redis://a:7000,").contains("empty"));
        assert!(reason("redis+cluster://a:notaport").contains("a:notaport"));
        assert!(reason("redis+cluster://a:7000/3").contains("database 0"));
        assert!(reason("redis://a:7000/1,redis://b:7001/1").contains("database 0"));
        assert!(reason("redis+cluster://redis://a:7000").contains("host:port"));
        assert!(reason("redis+cluster://a:7000?protocol=resp3").contains("options"));
        let r = reason("http://a:7000,http://user:pw@b:7001");
        assert!(r.contains("redis+cluster://host:port,host:port"), "{r}");
        let r = reason("redis://user:pw@a:x,b:1");
        assert!(!r.contains("pw"), "a password in a message: {r}");
    }
}
