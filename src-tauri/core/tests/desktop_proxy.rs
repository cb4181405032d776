//! The desktop's own proxy settings, as a GNOME desktop has them: `auto` with a PAC file
//! that IT serves, read by libproxy and run by its JavaScript engine. The settings come
//! from a throwaway GSettings keyfile backend, the PAC file from the corporate proxy of
//! tests/harness/network.py. The desktop is the environment libproxy reads, so the test
//! runs in a child process of this binary given that environment, leaving the other
//! suites' environment alone.

use std::process::Command;

use crate::support::env;
use xima_chat_core::{Network, NetworkSettings, OsKeychain, ProxyAccount, RouteSource, Secret, Via};

/// Set in the child process: it is on the GNOME desktop.
const ON_GNOME: &str = "XIMA_TEST_ON_GNOME";

#[test]
fn a_gnome_desktop_set_to_a_pac_file_routes_the_cloud_through_the_proxy_it_names() {
    let home = std::env::temp_dir().join(crate::support::unique("xima-gnome"));
    let settings = home.join("glib-2.0").join("settings");
    std::fs::create_dir_all(&settings).unwrap();
    std::fs::write(
        settings.join("keyfile"),
        format!("[system/proxy]\nmode='auto'\nautoconfig-url='{}'\n", env("XIMA_TEST_PAC_URL")),
    )
    .unwrap();
    let mut on_gnome = Command::new(std::env::current_exe().expect("the test binary"));
    on_gnome
        .args(["--exact", "desktop_proxy::on_the_gnome_desktop", "--ignored", "--test-threads=1"])
        .env(ON_GNOME, "1")
        // What a GNOME session has; libproxy asks GNOME's settings only on GNOME.
        .env("XDG_CONFIG_HOME", &home)
        .env("GSETTINGS_BACKEND", "keyfile")
        .env("XDG_CURRENT_DESKTOP", "GNOME")
        .env("DESKTOP_SESSION", "gnome");
    for variable in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "no_proxy", "NO_PROXY"] {
        on_gnome.env_remove(variable);
    }
    let outcome = on_gnome.output().expect("the test binary runs again");
    let _ = std::fs::remove_dir_all(home);
    let said = String::from_utf8_lossy(&outcome.stdout);
    assert!(outcome.status.success(), "on the GNOME desktop: {said}{}", String::from_utf8_lossy(&outcome.stderr));
    assert!(said.contains("1 passed"), "the child ran the check: {said}");
}

/// The child process of the test above, on the desktop it was given. Run on its own, it
/// does nothing.
#[test]
#[ignore = "the child process of the test above"]
fn on_the_gnome_desktop() {
    if std::env::var(ON_GNOME).is_err() {
        return;
    }
    let proxy = url::Url::parse(&env("XIMA_TEST_PROXY")).unwrap();
    let user = env("XIMA_TEST_PROXY_USER");
    OsKeychain
        .set_proxy_password(&ProxyAccount::new(&user, &proxy), &Secret::new(env("XIMA_TEST_PROXY_PASSWORD")))
        .unwrap();
    let network = Network::new(&NetworkSettings { proxy_user: Some(user), ..NetworkSettings::default() }).unwrap();

    let cloud = url::Url::parse(&env("XIMA_TEST_TLS_CLOUD")).unwrap();
    let route = network.route(&cloud);
    assert_eq!(route.via, Via::Proxy(proxy), "{route}");
    assert!(matches!(&route.source, RouteSource::Desktop(how) if how.contains("libproxy")), "{route}");
    // The PAC file sends everything else direct.
    assert_eq!(network.route(&url::Url::parse("https://example.com/").unwrap()).via, Via::Direct);

    // And a request really goes that way: through the proxy, with the keychain's password.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(network.reach(&cloud)).expect("the simulator answers through the PAC file's proxy");
}
