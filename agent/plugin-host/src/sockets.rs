//! What a probe may reach over WASI sockets: the addresses of the step's target (and of the
//! settings its manifest names), on the port written there or one of the manifest's `ports`,
//! resolved by the host before the call; at most `max_connections` connections and datagram
//! destinations per call. Every other address is refused, and a refusal is named in the
//! call's error.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder};

use super::manifest::Sockets;

/// The addresses one call may reach, and what it was refused.
pub struct SocketGrant {
    tcp: bool,
    udp: bool,
    allowed: HashSet<SocketAddr>,
    max_connections: u32,
    /// Addresses the call asked for and was refused, to say so in its error.
    pub refused: Arc<Mutex<Vec<SocketAddr>>>,
}

impl SocketGrant {
    /// The grant for a call on `target` with `config`: each place resolved now.
    pub async fn resolve(sockets: &Sockets, target: &str, config: &Value) -> Result<SocketGrant, String> {
        let mut grant = SocketGrant {
            tcp: sockets.tcp,
            udp: sockets.udp,
            allowed: HashSet::new(),
            max_connections: sockets.max_connections,
            refused: Arc::default(),
        };
        if !sockets.tcp && !sockets.udp {
            return Ok(grant);
        }
        let mut places = Vec::new();
        if sockets.reach_target {
            places.push(place(target).map_err(|why| format!("target `{target}`: {why}"))?);
        }
        for setting in &sockets.settings {
            if let Some(text) = config.get(setting).and_then(Value::as_str) {
                places.push(place(text).map_err(|why| format!("`{setting}` `{text}`: {why}"))?);
            }
        }
        for (host, port) in places {
            let ports = match port {
                Some(port) => vec![port],
                None => sockets.ports.clone(),
            };
            for ip in addresses(&host).await? {
                grant.allowed.extend(ports.iter().map(|port| SocketAddr::new(ip, *port)));
            }
        }
        Ok(grant)
    }

    /// A WASI context whose sockets reach only the granted addresses.
    pub fn wasi(&self) -> WasiCtx {
        let mut builder = WasiCtxBuilder::new();
        builder.allow_tcp(self.tcp).allow_udp(self.udp).allow_ip_name_lookup(self.tcp || self.udp);
        let allowed = self.allowed.clone();
        let budget = Arc::new(AtomicU32::new(self.max_connections));
        let refused = self.refused.clone();
        builder.socket_addr_check(move |address, usage| {
            let permitted = match usage {
                // Binding happens implicitly before a connection or a datagram, to the
                // wildcard address; a probe listens for nothing.
                SocketAddrUse::TcpBind | SocketAddrUse::UdpBind => address.ip().is_unspecified(),
                // A datagram from a granted place is let in; from any other, dropped.
                SocketAddrUse::UdpReceive => allowed.contains(&address),
                SocketAddrUse::TcpConnect | SocketAddrUse::UdpSend => {
                    allowed.contains(&address)
                        && budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(1)).is_ok()
                }
                _ => false,
            };
            if !permitted {
                let mut refused = refused.lock().unwrap_or_else(|e| e.into_inner());
                if refused.len() < 8 && !refused.contains(&address) {
                    refused.push(address);
                }
            }
            Box::pin(async move { permitted })
        });
        builder.build()
    }

    /// `; the sandbox refused 10.0.0.9:80 (not granted to this probe)`, when it refused any.
    pub fn refusals(&self) -> String {
        let refused = self.refused.lock().unwrap_or_else(|e| e.into_inner());
        if refused.is_empty() {
            return String::new();
        }
        let list: Vec<String> = refused.iter().map(SocketAddr::to_string).collect();
        format!(
            "; the sandbox refused {} (not granted to this probe, or over its {} connections)",
            list.join(", "),
            self.max_connections
        )
    }
}

/// `host:port`, `[::1]:port`, `host`, an IPv6 address, or a URL, as host and port.
pub fn place(text: &str) -> Result<(String, Option<u16>), String> {
    let text = text.trim();
    if text.contains("://") {
        let url = url::Url::parse(text).map_err(|e| e.to_string())?;
        let host = url.host_str().ok_or("it has no host")?;
        return Ok((host.trim_start_matches('[').trim_end_matches(']').to_string(), url.port()));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or("an unclosed `[`")?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().map_err(|_| format!("`{port}` is not a port"))?),
            None if after.is_empty() => None,
            None => return Err(format!("`{after}` after the address")),
        };
        return Ok((host.to_string(), port));
    }
    if text.parse::<IpAddr>().is_ok() {
        return Ok((text.to_string(), None));
    }
    match text.rsplit_once(':') {
        Some((host, port)) => {
            Ok((host.to_string(), Some(port.parse().map_err(|_| format!("`{port}` is not a port"))?)))
        }
        None if text.is_empty() => Err("it is empty".into()),
        None => Ok((text.to_string(), None)),
    }
}

async fn addresses(host: &str) -> Result<Vec<IpAddr>, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(vec![ip]);
    }
    let found = tokio::net::lookup_host((host, 0)).await.map_err(|e| format!("cannot resolve `{host}`: {e}"))?;
    Ok(found.map(|address| address.ip()).collect())
}

#[cfg(test)]
mod tests {
    use super::place;

    #[test]
    fn places_are_read_as_users_write_them() {
        let read = |text| place(text).unwrap();
        assert_eq!(read("db.internal:5432"), ("db.internal".into(), Some(5432)));
        assert_eq!(read("example.com"), ("example.com".into(), None));
        assert_eq!(read("[::1]:53"), ("::1".into(), Some(53)));
        assert_eq!(read("::1"), ("::1".into(), None));
        assert_eq!(read("smtp://mail.example.com:2525"), ("mail.example.com".into(), Some(2525)));
        assert!(place("host:http").unwrap_err().contains("not a port"));
        assert!(place("").is_err());
    }
}
