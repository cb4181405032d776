//! The far ends the benchmarks drive: the simulator's admin API, and SQS as the cloud's
//! side of the serverToClientQueue. Agent messages are sent straight to SQS with
//! aws-sdk-sqs (what the simulator's SendMessage does), so the timestamp taken just
//! before sending is not blurred by an extra HTTP hop through the simulator.

use aws_sdk_sqs::config::{BehaviorVersion, Region};
use xima_chat_core::{CloudClient, SessionId};

pub struct Services {
    pub sim_url: String,
    pub sqs_endpoint: String,
    http: reqwest::Client,
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run this through tests/bench/run.sh"))
}

impl Services {
    pub fn from_env() -> Self {
        Self { sim_url: env("XIMA_SIM_URL"), sqs_endpoint: env("XIMA_SQS_ENDPOINT"), http: reqwest::Client::new() }
    }

    pub fn cloud(&self) -> CloudClient {
        CloudClient::new(&self.sim_url, xima_chat_core::CloudOptions::default()).expect("the simulator URL is valid")
    }

    /// The session's serverToClientQueue, as the simulator created it.
    pub async fn queue_url(&self, session: &SessionId) -> String {
        let details: serde_json::Value = self
            .http
            .get(format!("{}/_sim/sessions/{session}", self.sim_url))
            .send()
            .await
            .expect("the simulator answers")
            .json()
            .await
            .expect("the simulator answers JSON");
        details["sessionDetails"]["serverToClientQueue"]["url"].as_str().expect("the session has a queue").to_owned()
    }

    /// An SQS client holding the installation's own key (moto enforces IAM; that key
    /// may do anything on SQS, like the simulator's admin).
    pub async fn sqs_for(&self, cloud: &CloudClient, installation: &str) -> aws_sdk_sqs::Client {
        let keys = cloud.sqs_credentials(installation).await.expect("the simulator hands out SQS keys");
        let region = keys.region().expect("the simulator names a region");
        let credentials = aws_credential_types::Credentials::new(
            keys.sqs_access_key,
            keys.sqs_secret_key.expose(),
            None,
            None,
            "xima-simulator",
        );
        let config = aws_sdk_sqs::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region))
            .endpoint_url(&self.sqs_endpoint)
            .credentials_provider(credentials)
            .build();
        aws_sdk_sqs::Client::from_conf(config)
    }
}

/// The JSON body of an agent's chat line.
pub fn chat_text(text: &str) -> String {
    serde_json::json!({ "type": "CHAT_TEXT", "text": text }).to_string()
}
