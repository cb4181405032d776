//! A TCP proxy on loopback that a test can cut and restore, to play a dead network
//! between the app and both the cloud and SQS.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct CuttableProxy {
    pub url: String,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    /// Connections attempted while the link was down.
    pub refused: Arc<AtomicUsize>,
}

impl CuttableProxy {
    /// Forwards a loopback port to `target` (`http://127.0.0.1:PORT`).
    pub async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let refused = Arc::new(AtomicUsize::new(0));
        let (cut, cuts) = watch::channel(0u64);
        let (accept_up, accept_refused) = (up.clone(), refused.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    accept_refused.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let target = target.clone();
                let mut cuts = cuts.clone();
                // Only cuts after this connection opened concern it.
                cuts.borrow_and_update();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        // A cut severs connections that are open, like a pulled cable.
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Self { url, up, cut, refused }
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}
