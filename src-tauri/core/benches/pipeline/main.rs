//! Benchmarks of the core against moto's SQS and the cloud simulator, run by
//! `tests/bench/run.sh` (see docs/benchmarks.md). Not part of the tests: nothing
//! here asserts a time, it only measures and prints.
//!
//!     pipeline latency              agent message latency and the 1000-message burst
//!     pipeline screenshot [RUNS]    capture, encode, base64, preview, upload on $DISPLAY
//!
//! Needs XIMA_SIM_URL and XIMA_SQS_ENDPOINT (tests/harness/services.py sets both).
//! Prints one JSON object per line on stdout, for tests/bench/bench.py to tabulate;
//! progress goes to stderr.

mod latency;
mod screenshot;
mod services;

use std::time::Duration;

use serde_json::Value;

fn main() {
    // `cargo bench` appends `--bench`; anything starting with a dash is cargo's, not ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with('-')).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        // The app's runtime on this 2-core machine has 2 workers too.
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match args.first().map(String::as_str) {
        Some("latency") => runtime.block_on(latency::run()),
        Some("screenshot") => {
            let runs = args.get(1).and_then(|runs| runs.parse().ok()).unwrap_or(7);
            runtime.block_on(screenshot::run(runs));
        }
        _ => {
            eprintln!("usage: pipeline latency | pipeline screenshot [RUNS]");
            std::process::exit(2);
        }
    }
}

/// One figure, as a JSON line on stdout.
pub fn report(figure: &str, mut values: Value) {
    values["figure"] = Value::from(figure);
    println!("{values}");
}

pub fn progress(what: &str) {
    eprintln!("  pipeline: {what}");
}

/// Milliseconds with microsecond precision, for JSON.
pub fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1e6).round() / 1e3
}

/// p50, p99 and max of a sample, nearest-rank, in milliseconds.
pub fn summary(samples: &[Duration]) -> Value {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = |p: f64| {
        let index = ((p * sorted.len() as f64).ceil() as usize).saturating_sub(1);
        ms(sorted[index.min(sorted.len() - 1)])
    };
    serde_json::json!({
        "n": sorted.len(),
        "p50_ms": rank(0.50),
        "p99_ms": rank(0.99),
        "max_ms": ms(*sorted.last().unwrap_or(&Duration::ZERO)),
    })
}
