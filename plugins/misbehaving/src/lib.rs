//! Misbehaves as the assertion's `value` asks: `"loop"`, `"oom"`, `"panic"`, `"env"` (reports
//! what it can see of the host), anything else passes.

use skopos_sdk::assertion::{Guest, Info, Response, Verdict};

struct Misbehaving;

impl Guest for Misbehaving {
    fn describe() -> Info {
        skopos_sdk::info("misbehaving", "{}")
    }

    fn check(_response: Response, expected: String) -> Result<Verdict, String> {
        match expected.trim_matches('"') {
            "loop" => {
                let mut n: u64 = 0;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            "oom" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "panic" => panic!("asked to panic"),
            "env" => {
                let seen = serde_like(&[
                    ("vars", std::env::vars().count().to_string()),
                    ("root", std::fs::read_dir("/").is_ok().to_string()),
                    ("etc_passwd", std::fs::read("/etc/passwd").is_ok().to_string()),
                    (
                        "tcp",
                        std::net::TcpStream::connect("127.0.0.1:1")
                            .map(|_| ())
                            .map_err(|e| e.kind())
                            .is_ok()
                            .to_string(),
                    ),
                ]);
                Ok(skopos_sdk::verdict(true, "", Some(seen)))
            }
            _ => Ok(skopos_sdk::verdict(true, "", None)),
        }
    }
}

fn serde_like(pairs: &[(&str, String)]) -> skopos_sdk::Json {
    skopos_sdk::Json::Object(pairs.iter().map(|(k, v)| (k.to_string(), skopos_sdk::Json::String(v.clone()))).collect())
}

skopos_sdk::assertion::export_assertion!(Misbehaving);
