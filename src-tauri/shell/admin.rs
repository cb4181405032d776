//! The administrator's keychain subcommands, run without a window: `api-key set|clear`
//! and `proxy-password set|clear`. A secret comes in on standard input, never as an
//! argument (which any user's `ps` shows).

use std::io::BufRead;
use std::process::ExitCode;

use xima_chat_core::{
    checked_base_url, ApiKeyStore, AppConfig, KeyHome, Network, OsKeychain, ProxyAccount, Secret, Via,
};

/// Where the key of this configuration lives, or why it has none.
fn key_home(config: &AppConfig) -> Result<KeyHome, ExitCode> {
    config.key_home().map_err(|error| {
        eprintln!("error: {error}: set it first (a flag, its XIMA_ variable, or the config file)");
        ExitCode::FAILURE
    })
}

/// One line of standard input, as `keep` leaves it; never empty.
fn secret_from_stdin(what: &str, keep: fn(&str) -> &str) -> Result<Secret, ExitCode> {
    let mut line = String::new();
    if let Err(error) = std::io::stdin().lock().read_line(&mut line) {
        eprintln!("error: could not read the {what} from standard input: {error}");
        return Err(ExitCode::FAILURE);
    }
    let secret = Secret::new(keep(&line));
    if secret.is_empty() {
        eprintln!("error: no {what} on standard input");
        return Err(ExitCode::FAILURE);
    }
    Ok(secret)
}

pub fn api_key_set(config: &AppConfig) -> ExitCode {
    let home = match key_home(config) {
        Ok(home) => home,
        Err(code) => return code,
    };
    let key = match secret_from_stdin("key", str::trim) {
        Ok(key) => key,
        Err(code) => return code,
    };
    match ApiKeyStore.set(&home, &key) {
        Ok(()) => {
            println!(
                "API key stored in the keychain for installation {} at {}",
                home.installation_id(),
                config.base_url.trim()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub fn api_key_clear(config: &AppConfig) -> ExitCode {
    let home = match key_home(config) {
        Ok(home) => home,
        Err(code) => return code,
    };
    match ApiKeyStore.clear(&home) {
        Ok(()) => {
            println!("API key removed for installation {}", home.installation_id());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The proxy the cloud is reached through and the keychain account of its user: a
/// password is stored for one user on one proxy.
fn proxy_account(config: &AppConfig) -> Result<(ProxyAccount, Network), ExitCode> {
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::FAILURE
    };
    let network = Network::new(&config.network_settings()).map_err(|error| fail(error.to_string()))?;
    let cloud = checked_base_url(&config.base_url).map_err(|error| fail(error.to_string()))?;
    let Via::Proxy(proxy) = network.route(&cloud).via else {
        return Err(fail(format!("{} is reached without a proxy ({})", cloud, network.route(&cloud).source)));
    };
    let Some(user) = config.proxy_user.as_deref() else {
        return Err(fail("set proxy-user first (a flag, XIMA_PROXY_USER, or the config file)".into()));
    };
    Ok((ProxyAccount::new(user, &proxy), network))
}

pub fn proxy_password_set(config: &AppConfig) -> ExitCode {
    let (account, _) = match proxy_account(config) {
        Ok(found) => found,
        Err(code) => return code,
    };
    // Only the line's end goes: a password may begin or end with a space.
    let password = match secret_from_stdin("password", |line| line.trim_end_matches(['\r', '\n'])) {
        Ok(password) => password,
        Err(code) => return code,
    };
    match OsKeychain.set_proxy_password(&account, &password) {
        Ok(()) => {
            println!("proxy password stored in the keychain for {account}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

pub fn proxy_password_clear(config: &AppConfig) -> ExitCode {
    let (account, _) = match proxy_account(config) {
        Ok(found) => found,
        Err(code) => return code,
    };
    match OsKeychain.clear_proxy_password(&account) {
        Ok(()) => {
            println!("proxy password removed for {account}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
