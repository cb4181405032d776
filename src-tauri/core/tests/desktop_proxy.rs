//! The desktop's own proxy settings, as a GNOME desktop has them: `auto` with a PAC file
//! that IT serves, read by libproxy and run by its JavaScript engine. The settings come
//! from a throwaway GSettings keyfile backend, the PAC file from the corporate proxy of
//! tests/harness/network.py. Its own binary: it sets the process's environment, which
//! libproxy reads.

mod common;

use common::env;
use xima_chat_core::{Network, NetworkSettings, OsKeychain, ProxyAccount, RouteSource, Secret, Via};

#[test]
fn a_gnome_desktop_set_to_a_pac_file_routes_the_cloud_through_the_proxy_it_names() {
    let home = std::env::temp_dir().join(common::unique("xima-gnome"));
    let settings = home.join("glib-2.0").join("settings");
    std::fs::create_dir_all(&settings).unwrap();
    std::fs::write(
        settings.join("keyfile"),
        format!("[system/proxy]\nmode='auto'\nautoconfig-url='{}'\n", env("XIMA_TEST_PAC_URL")),
    )
    .unwrap();
    // What a GNOME session has; libproxy asks GNOME's settings only on GNOME.
    std::env::set_var("XDG_CONFIG_HOME", &home);
    std::env::set_var("GSETTINGS_BACKEND", "keyfile");
    std::env::set_var("XDG_CURRENT_DESKTOP", "GNOME");
    std::env::set_var("DESKTOP_SESSION", "gnome");
    for variable in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "http_proxy", "no_proxy", "NO_PROXY"] {
        std::env::remove_var(variable);
    }

    let proxy = url::Url::parse(&env("XIMA_TEST_PROXY")).unwrap();
    let user = env("XIMA_TEST_PROXY_USER");
    OsKeychain
        .set_proxy_password(&ProxyAccount::new(&user, &proxy), &Secret::new(env("XIMA_TEST_PROXY_PASSWORD")))
        .unwrap();
    let network = Network::new(&NetworkSettings {
        proxy_user: Some(user),
        ..NetworkSettings::default()
    })
    .unwrap();

    let cloud = url::Url::parse(&env("XIMA_TEST_TLS_CLOUD")).unwrap();
    let route = network.route(&cloud);
    assert_eq!(route.via, Via::Proxy(proxy), "{route}");
    assert!(matches!(&route.source, RouteSource::Desktop(how) if how.contains("libproxy")), "{route}");
    // The PAC file sends everything else direct.
    assert_eq!(network.route(&url::Url::parse("https://example.com/").unwrap()).via, Via::Direct);

    // And a request really goes that way: through the proxy, with the keychain's password.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(network.reach(&cloud)).expect("the simulator answers through the PAC file's proxy");
    let _ = std::fs::remove_dir_all(home);
}
