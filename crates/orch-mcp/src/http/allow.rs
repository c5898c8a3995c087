//! `Host` and `Origin` allow-lists against DNS rebinding: parsing the entries, matching a request, and the same
//! rules in the form rmcp's own checks take.

use axum::http::Uri;

use super::HttpError;

#[derive(Debug, Clone, PartialEq, Eq)]
enum PortRule {
    Any,
    Exact(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OriginRule {
    Null,
    Tuple { scheme: String, host: String, port: PortRule },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct AllowList {
    /// `None`: any host.
    hosts: Option<Vec<(String, Option<u16>)>>,
    /// `None`: any origin.
    origins: Option<Vec<OriginRule>>,
}

fn normalize_host(host: &str) -> String {
    host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

impl AllowList {
    pub(super) fn parse(hosts: &[String], origins: &[String]) -> Result<Self, HttpError> {
        let hosts = if hosts.iter().any(|h| h.trim() == "*") {
            None
        } else {
            Some(hosts.iter().map(|h| parse_host_rule(h)).collect::<Result<Vec<_>, _>>()?)
        };
        let origins = if origins.iter().any(|o| o.trim() == "*") {
            None
        } else {
            Some(origins.iter().map(|o| parse_origin_rule(o)).collect::<Result<Vec<_>, _>>()?)
        };
        Ok(AllowList { hosts, origins })
    }

    pub(super) fn host_allowed(&self, host: &str, port: Option<u16>) -> bool {
        let Some(rules) = &self.hosts else { return true };
        let host = normalize_host(host);
        rules.iter().any(|(h, p)| *h == host && p.is_none_or(|p| Some(p) == port))
    }

    pub(super) fn origin_allowed(&self, origin: &str) -> bool {
        let Some(rules) = &self.origins else { return true };
        let origin = origin.trim();
        if origin.eq_ignore_ascii_case("null") {
            return rules.contains(&OriginRule::Null);
        }
        let Ok(uri) = origin.parse::<Uri>() else { return false };
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else { return false };
        let scheme = scheme.to_ascii_lowercase();
        let host = normalize_host(authority.host());
        let port = authority.port_u16().or_else(|| default_port(&scheme));
        rules.iter().any(|rule| match rule {
            OriginRule::Null => false,
            OriginRule::Tuple { scheme: s, host: h, port: p } => {
                *s == scheme
                    && *h == host
                    && match p {
                        PortRule::Any => true,
                        PortRule::Exact(n) => port == Some(*n),
                    }
            }
        })
    }

    /// The origin list in rmcp's syntax (explicit ports, so rmcp's deprecated port-less matching never applies).
    pub(super) fn rmcp_origins(&self) -> Option<Vec<String>> {
        self.origins.as_ref().map(|rules| {
            rules
                .iter()
                .map(|r| match r {
                    OriginRule::Null => "null".to_string(),
                    OriginRule::Tuple { scheme, host, port } => {
                        let host = if host.contains(':') { format!("[{host}]") } else { host.clone() };
                        match port {
                            PortRule::Any => format!("{scheme}://{host}:*"),
                            PortRule::Exact(p) => format!("{scheme}://{host}:{p}"),
                        }
                    }
                })
                .collect()
        })
    }

    /// The host list in rmcp's syntax.
    pub(super) fn rmcp_hosts(&self) -> Option<Vec<String>> {
        self.hosts.as_ref().map(|rules| {
            rules
                .iter()
                .map(|(h, p)| {
                    let h = if h.contains(':') { format!("[{h}]") } else { h.clone() };
                    match p {
                        Some(p) => format!("{h}:{p}"),
                        None => h,
                    }
                })
                .collect()
        })
    }
}

fn parse_host_rule(entry: &str) -> Result<(String, Option<u16>), HttpError> {
    let entry = entry.trim();
    let bad = || {
        HttpError::InvalidConfig(format!(
            "allowed host '{entry}' is not a host name or host:port (e.g. tasks.example.com, 10.0.0.5:8000, [::1])"
        ))
    };
    if entry.is_empty() || entry.contains('/') {
        return Err(bad());
    }
    // A bare IPv6 address (`::1`) is not an authority; accept it as the bracketed form.
    if entry.parse::<std::net::Ipv6Addr>().is_ok() {
        return Ok((entry.to_ascii_lowercase(), None));
    }
    let authority = entry.parse::<axum::http::uri::Authority>().map_err(|_| bad())?;
    if authority.as_str().contains('@') {
        return Err(bad());
    }
    Ok((normalize_host(authority.host()), authority.port_u16()))
}

fn parse_origin_rule(entry: &str) -> Result<OriginRule, HttpError> {
    let entry = entry.trim();
    if entry.eq_ignore_ascii_case("null") {
        return Ok(OriginRule::Null);
    }
    let bad = || {
        HttpError::InvalidConfig(format!(
            "allowed origin '{entry}' is not scheme://host[:port|:*] (e.g. https://app.example.com, \
             http://localhost:*)"
        ))
    };
    let (base, any_port) = match entry.strip_suffix(":*") {
        Some(base) => (base, true),
        None => (entry, false),
    };
    let uri = base.parse::<Uri>().map_err(|_| bad())?;
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else { return Err(bad()) };
    if uri.path_and_query().is_some_and(|p| p.as_str() != "/" && !p.as_str().is_empty()) {
        return Err(bad());
    }
    let scheme = scheme.to_ascii_lowercase();
    let port = match (any_port, authority.port_u16()) {
        (true, None) => PortRule::Any,
        (true, Some(_)) => return Err(bad()),
        (false, Some(p)) => PortRule::Exact(p),
        // RFC 6454: an origin without a port means the scheme's default port.
        (false, None) => PortRule::Exact(default_port(&scheme).ok_or_else(bad)?),
    };
    Ok(OriginRule::Tuple { scheme, host: normalize_host(authority.host()), port })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    use crate::http::HttpConfig;
    fn list(hosts: &[&str], origins: &[&str]) -> AllowList {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        AllowList::parse(&s(hosts), &s(origins)).unwrap()
    }

    #[test]
    fn default_hosts_are_loopback_with_any_port() {
        let a = AllowList::parse(&HttpConfig::default_allowed_hosts(), &HttpConfig::default_allowed_origins()).unwrap();
        for (h, p) in [("localhost", None), ("LOCALHOST", Some(8000)), ("127.0.0.1", Some(1)), ("[::1]", Some(8000))] {
            assert!(a.host_allowed(h, p), "{h} {p:?}");
        }
        for (h, p) in [("evil.example.com", None), ("127.0.0.2", Some(8000)), ("localhost.evil.com", None)] {
            assert!(!a.host_allowed(h, p), "{h} {p:?}");
        }
    }

    #[test]
    fn host_rules_with_ports_and_wildcard() {
        let a = list(&["tasks.example.com:8443", "10.0.0.5", "::1"], &[]);
        assert!(a.host_allowed("tasks.example.com", Some(8443)));
        assert!(!a.host_allowed("tasks.example.com", Some(8000)));
        assert!(!a.host_allowed("tasks.example.com", None));
        assert!(a.host_allowed("10.0.0.5", Some(1234)));
        assert!(a.host_allowed("[::1]", Some(80)));
        assert!(list(&["*"], &[]).host_allowed("anything", None));
        for bad in ["", "http://x", "a b", "user@host"] {
            assert!(AllowList::parse(&[bad.to_string()], &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn origin_rules_follow_rfc_6454() {
        let a = AllowList::parse(&[], &HttpConfig::default_allowed_origins()).unwrap();
        assert!(a.origin_allowed("http://localhost:5173"));
        assert!(a.origin_allowed("https://127.0.0.1"));
        assert!(a.origin_allowed("http://[::1]:3000"));
        assert!(!a.origin_allowed("http://evil.example.com"));
        assert!(!a.origin_allowed("http://localhost.evil.example.com:80"));
        assert!(!a.origin_allowed("null"));
        assert!(!a.origin_allowed("not a uri"));

        let b = list(&[], &["https://app.example.com", "http://dev.example.com:8080", "null"]);
        assert!(b.origin_allowed("https://app.example.com"));
        assert!(b.origin_allowed("https://app.example.com:443"));
        assert!(!b.origin_allowed("https://app.example.com:8443"));
        assert!(!b.origin_allowed("http://app.example.com"));
        assert!(b.origin_allowed("http://dev.example.com:8080"));
        assert!(b.origin_allowed("null"));
        assert!(list(&[], &["*"]).origin_allowed("https://anywhere.example"));
        for bad in ["app.example.com", "https://a.example.com/path", "https://a:1:*", "ftp://x"] {
            assert!(AllowList::parse(&[], &[bad.to_string()]).is_err(), "{bad}");
        }
    }

    #[test]
    fn rmcp_gets_explicit_ports() {
        let b = list(&["::1", "h:1"], &["https://app.example.com", "http://[::1]:*", "null"]);
        assert_eq!(b.rmcp_origins().unwrap(), vec!["https://app.example.com:443", "http://[::1]:*", "null"]);
        assert_eq!(b.rmcp_hosts().unwrap(), vec!["[::1]", "h:1"]);
        assert_eq!(list(&["*"], &["*"]).rmcp_hosts(), None);
    }
}
