//! `skopos silence`: mute monitors for a while with a comment (`skopos silence "checkout"
//! --for 1h --comment deploying`), list the silences in force (`--list`), or end one early
//! (`--end ID`), through a running agent.

use clap::Args;
use http::Method;
use serde_json::{Value, json};
use url::Url;

use super::client::{DEFAULT_SERVER, encode, refusal, with_client};

#[derive(Args)]
pub struct SilenceArgs {
    /// The monitors to mute, by name.
    monitors: Vec<String>,
    /// Also mute every monitor with this tag (repeatable).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    /// How long: 30m, 2h, 1d.
    #[arg(long = "for", value_name = "DURATION", conflicts_with = "until")]
    lasting: Option<String>,
    /// Until when (RFC 3339).
    #[arg(long, value_name = "TIME")]
    until: Option<String>,
    /// Why (required to make one).
    #[arg(long)]
    comment: Option<String>,
    /// List the silences in force instead.
    #[arg(long, conflicts_with_all = ["monitors", "tags", "end"])]
    list: bool,
    /// End this silence (by id) now instead.
    #[arg(long, value_name = "ID", conflicts_with_all = ["monitors", "tags"])]
    end: Option<String>,
    #[arg(long, default_value = DEFAULT_SERVER)]
    server: Url,
}

pub fn silence(args: SilenceArgs) -> u8 {
    with_client("silence", args.server.clone(), |mut client| async move {
        if args.list {
            let (status, reply) = client.call(Method::GET, "api/v1/silences", None).await?;
            if status != 200 {
                return Err(refusal(status, &reply));
            }
            for silence in reply.as_array().into_iter().flatten() {
                println!("{}", describe(silence));
            }
            return Ok(());
        }
        if let Some(id) = &args.end {
            let (status, reply) = client.call(Method::DELETE, &format!("api/v1/silences/{}", encode(id)), None).await?;
            if status != 204 {
                return Err(refusal(status, &reply));
            }
            println!("ended silence {id}");
            return Ok(());
        }
        let Some(comment) = args.comment else { return Err("say why with --comment".into()) };
        let mut body = json!({"monitors": args.monitors, "tags": args.tags, "comment": comment});
        match (&args.lasting, &args.until) {
            (Some(lasting), _) => body["for"] = json!(lasting),
            (None, Some(until)) => body["until"] = json!(until),
            (None, None) => return Err("say how long with --for (such as 1h) or --until".into()),
        }
        let (status, reply) = client.call(Method::POST, "api/v1/silences", Some(&body)).await?;
        if status != 201 {
            return Err(refusal(status, &reply));
        }
        println!("{}", describe(&reply));
        Ok(())
    })
}

/// `3f2a… until 2026-12-05T11:00:00Z: production checkout, tag tier-1 (ann: deploying)`.
fn describe(silence: &Value) -> String {
    let names = silence["monitors"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string);
    let tags = silence["tags"].as_array().into_iter().flatten().filter_map(Value::as_str).map(|t| format!("tag {t}"));
    let what: Vec<String> = names.chain(tags).collect();
    format!(
        "{} until {}: {} ({}: {})",
        silence["id"].as_str().unwrap_or_default(),
        silence["until"].as_str().unwrap_or_default(),
        what.join(", "),
        silence["created_by"].as_str().unwrap_or_default(),
        silence["comment"].as_str().unwrap_or_default()
    )
}
