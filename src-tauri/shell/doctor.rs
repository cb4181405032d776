//! `doctor`: one line per check of a deployment (the settings, the network to each host,
//! the cloud, SQS, the keychain, the agents' availability), for whoever installs the app.

use std::process::ExitCode;

use url::Url;
use xima_chat_core::{ApiKeyStore, AppConfig, Availability, CloudClient, CloudError, CloudOptions, QueueStatus};
use xima_chat_core::{Facts, Network, NetworkFailure, ProxyAsked, SessionId, SessionShape, SessionStore};

use crate::cli::SettingsFiles;

/// What IT needs to know about one host the app talks to: the route, where it came
/// from, TLS and the certificate's issuer, and what the proxy asked for.
async fn network_report(
    name: &str,
    network: &Network,
    url: &Url,
    failure: Option<NetworkFailure>,
    report: &mut impl FnMut(bool, &str, String),
) {
    let route = network.prepare(url).await;
    println!("INFO route {name}: {} {route}", url.origin().ascii_serialization());
    let host = url.host_str().unwrap_or_default();
    let issuer = network.issuer_seen(host);
    match failure {
        None => match issuer {
            Some(issuer) => report(
                true,
                &format!("tls {name}"),
                format!("trusted by this computer (certificate issued by {issuer})"),
            ),
            None if url.scheme() == "https" => report(true, &format!("tls {name}"), "trusted by this computer".into()),
            None => println!("INFO tls {name}: plain http to this computer (testing only)"),
        },
        Some(cause) => report(false, &format!("network {name}"), cause.to_string()),
    }
    if let Some(asked) = network.ask_proxy(url).await {
        println!("INFO proxy {name}: {}", proxy_words(&asked));
    }
}

/// What the proxy asked for, in words IT can act on.
fn proxy_words(asked: &ProxyAsked) -> String {
    let answer = match &asked.without {
        Err(error) => return format!("could not ask the proxy: {error}"),
        Ok(answer) => answer,
    };
    match answer.status {
        200 => "the proxy opens the way without asking for credentials".into(),
        407 if !answer.offers_basic() => format!(
            "the proxy asks for credentials by {}, which this app cannot answer (only Basic): ask IT for a PAC exception for this host or a local authenticating proxy (see docs/admin.md)",
            answer.schemes.join(", ")
        ),
        407 => {
            let ours = match &asked.with_ours {
                None => "none are set: set proxy-user and run `xima-chat proxy-password set`".to_owned(),
                Some(Ok(with)) if with.status == 200 => "it takes the ones this app sends".to_owned(),
                Some(Ok(with)) if with.status == 407 => "it refuses the ones this app sends".to_owned(),
                Some(Ok(with)) => format!("with the ones this app sends it answers {}", with.status),
                Some(Err(error)) => format!("asking again with the app's failed: {error}"),
            };
            format!("the proxy asks for credentials ({}); {ours}", answer.schemes.join(", "))
        }
        status => format!("the proxy answers {status} to a tunnel to this host"),
    }
}

/// One line per check, `PASS` or `FAIL`, for whoever deploys the app; `INFO` lines
/// describe the server without judging it.
pub fn run(config: &AppConfig, files: &SettingsFiles) -> ExitCode {
    let mut failed = 0;
    let mut report = |ok: bool, what: &str, detail: String| {
        println!("{} {what}: {detail}", if ok { "PASS" } else { "FAIL" });
        failed += usize::from(!ok);
    };
    let info = |what: &str, detail: String| println!("INFO {what}: {detail}");
    info("settings", settings_files(files));
    if !files.overruled.is_empty() {
        info("locked", format!("{} set elsewhere too; the computer's value stands", files.overruled.join(", ")));
    }
    let shared = config.shared_facts(&Facts::read(config.facts_named(), None));
    if !shared.is_empty() {
        let fields: Vec<String> = shared.iter().map(|field| format!("{}: {}", field.name, field.value)).collect();
        // Without a window there is no screen: {screen} reads "unknown" here only.
        info("shared with the agent", fields.join("; "));
    }
    let problems = config.problems();
    report(
        problems.is_empty(),
        "config",
        if problems.is_empty() { "complete".into() } else { crate::app_state::english(&problems) },
    );

    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let options = Network::new(&config.network_settings())
        .map(|network| CloudOptions { network: Some(network), ..CloudOptions::default() });
    match options.map_err(CloudError::from).and_then(|options| CloudClient::new(&config.base_url, options)) {
        Err(error) => report(false, "cloud", error.to_string()),
        Ok(cloud) => {
            // A made-up session id: a live cloud answers 204.
            let probe = SessionId(format!("doctor-{}", fastrand_id()));
            let answered = runtime.block_on(cloud.check_session(&probe)).map(drop);
            let failure = match &answered {
                Err(CloudError::Network { cause, .. }) => Some(cause.clone()),
                _ => None,
            };
            runtime.block_on(network_report("cloud", cloud.network(), cloud.base_url(), failure, &mut report));
            match answered {
                Ok(()) => report(true, "cloud", format!("{} answers", config.base_url)),
                Err(error) => report(false, "cloud", error.to_string()),
            }
            if !config.installation_id.trim().is_empty() {
                match runtime.block_on(cloud.sqs_credentials(config.installation_id.trim())) {
                    Ok(credentials) => {
                        report(
                            true,
                            "sqs credentials",
                            match credentials.region() {
                                Some(region) => format!("issued for region {region}"),
                                None => "issued without a region (the queue's address gives it)".into(),
                            },
                        );
                        let endpoint = xima_chat_core::sqs_endpoint(
                            config.sqs_endpoint.as_deref(),
                            credentials.region().as_deref(),
                        );
                        match endpoint.as_deref().map(Url::parse) {
                            Some(Ok(url)) => {
                                let failure = runtime.block_on(cloud.network().reach(&url)).err();
                                runtime.block_on(network_report("sqs", cloud.network(), &url, failure, &mut report));
                            }
                            _ => info("route sqs", "no SQS endpoint is known before a chat names its queue".into()),
                        }
                    }
                    Err(error) => report(false, "sqs credentials", error.to_string()),
                }
                // The endpoint is not on the vendor's page: a server without it is not a
                // fault, and neither is one that fails it (the form then shows nothing).
                match runtime.block_on(cloud.queue_status(config.installation_id.trim())) {
                    Ok(Some(status)) => report(true, "agent availability", availability_by_skill(config, &status)),
                    Ok(None) => report(
                        true,
                        "agent availability",
                        "this server has no availability endpoint (GET /queue/status); the form shows nothing".into(),
                    ),
                    Err(error) => info("agent availability", format!("{error}; the form shows nothing")),
                }
            }
        }
    }
    let shape = match config.data_dir().ok().and_then(|dir| SessionStore::new(dir).session_shape()) {
        Some(SessionShape::Wrapped) => "wrapped (last seen)",
        Some(SessionShape::Flat) => "flat (last seen)",
        None => "not seen yet (start a chat once)",
    };
    info("session answers", shape.into());
    match config.key_home().and_then(|home| ApiKeyStore.get(&home)) {
        Ok(Some(_)) => report(true, "keychain", "an API key is stored".into()),
        Ok(None) => report(false, "keychain", "no API key is stored; run `xima-chat api-key set`".into()),
        Err(error) => report(false, "keychain", error.to_string()),
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Which files the settings came from, the computer's first: `/etc/xima-chat/config.toml
/// (the computer's, locks installation-id), then ~/.config/xima-chat/config.toml`.
fn settings_files(files: &SettingsFiles) -> String {
    let machine = files.machine.as_ref().map(|machine| match machine.locked() {
        [] => format!("{} (the computer's)", machine.path().display()),
        locked => format!("{} (the computer's, locks {})", machine.path().display(), locked.join(", ")),
    });
    let user = match &files.user {
        Some(path) if path.exists() => Some(path.display().to_string()),
        Some(path) => Some(format!("{} (not there yet)", path.display())),
        None => None,
    };
    match (machine, user) {
        (Some(machine), Some(user)) => format!("{machine}, then {user}"),
        (Some(only), None) | (None, Some(only)) => only,
        (None, None) => "the defaults (no settings file)".into(),
    }
}

/// `Support: ready, Billing: no agent ready` for the skills a chat can go to, and the
/// server's own names when one of ours is not among them (a misspelt skill, usually).
fn availability_by_skill(config: &AppConfig, status: &QueueStatus) -> String {
    let skills: Vec<String> = if config.kiosk.enabled {
        config.skill_for(None).into_iter().collect()
    } else {
        config.skills.iter().map(|skill| skill.trim().to_owned()).filter(|skill| !skill.is_empty()).collect()
    };
    if skills.is_empty() {
        return "the server answers; no skill is set to ask about".into();
    }
    let mut missing = false;
    let each: Vec<String> = skills
        .iter()
        .map(|skill| {
            let word = match status.for_skill(skill) {
                Availability::Ready => "ready",
                Availability::NoneReady => "no agent ready",
                Availability::Unknown => {
                    missing = true;
                    "not reported"
                }
            };
            format!("{skill}: {word}")
        })
        .collect();
    let mut detail = each.join(", ");
    if missing {
        let mut named: Vec<&str> = status.skills().collect();
        named.sort_unstable();
        if named.is_empty() {
            detail.push_str(" (the server named no skill)");
        } else {
            detail.push_str(&format!(" (the server names: {})", named.join(", ")));
        }
    }
    detail
}

fn fastrand_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    format!("{:x}-{}", nanos, std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctor_names_each_skills_availability_and_the_servers_names_when_one_is_missing() {
        let mut config =
            AppConfig { skills: vec!["Support".into(), "Billing".into(), "Sales".into()], ..AppConfig::default() };
        let answer = serde_json::json!({
            "Support": {"thereAreAgentsReady": true},
            "Billing": {"thereAreAgentsReady": false},
            "Sale": {"thereAreAgentsReady": true},
        });
        let status = QueueStatus::from_answer(&answer).unwrap();
        assert_eq!(
            availability_by_skill(&config, &status),
            "Support: ready, Billing: no agent ready, Sales: not reported (the server names: Billing, Sale, Support)"
        );
        config.skills.truncate(2);
        assert_eq!(availability_by_skill(&config, &status), "Support: ready, Billing: no agent ready");
    }
}
