//! A TCP proxy on loopback that a test can cut and restore, to play a dead network
//! between the app and both the cloud and SQS; unplug, to play a computer with no
//! network at all (a connection is refused before anything is written); strand, to play
//! a computer that moved to another network (its open connections go silent, new ones
//! work); or make deaf, to play an answer that the server sent and the app never got.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct CuttableProxy {
    pub url: String,
    plugged: watch::Sender<bool>,
    listening: watch::Receiver<bool>,
    up: Arc<AtomicBool>,
    deaf: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    strand: watch::Sender<u64>,
    /// Connections attempted while the link was down.
    pub refused: Arc<AtomicUsize>,
}

impl CuttableProxy {
    /// Forwards a loopback port to `target` (`http://127.0.0.1:PORT`).
    pub async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("http://").to_owned();
        let listener = below_the_ephemeral_ports().await;
        let url = format!("http://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let deaf = Arc::new(AtomicBool::new(false));
        let refused = Arc::new(AtomicUsize::new(0));
        let (cut, cuts) = watch::channel(0u64);
        let (plugged, mut plugs) = watch::channel(true);
        let (now_listening, listening) = watch::channel(true);
        let (strand, strands) = watch::channel(0u64);
        let (accept_up, accept_deaf, accept_refused) = (up.clone(), deaf.clone(), refused.clone());
        tokio::spawn(async move {
            let address = listener.local_addr().unwrap();
            let mut listener = Some(listener);
            loop {
                // Unplugged, nothing listens on the port: a connection is refused.
                let Some(open) = &listener else {
                    if plugs.changed().await.is_err() {
                        return;
                    }
                    if *plugs.borrow_and_update() {
                        listener = Some(TcpListener::bind(address).await.expect("the proxy's port again"));
                        now_listening.send_replace(true);
                    }
                    continue;
                };
                let accepted = tokio::select! {
                    accepted = open.accept() => accepted,
                    changed = plugs.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        if !*plugs.borrow_and_update() {
                            listener = None;
                            now_listening.send_replace(false);
                        }
                        continue;
                    }
                };
                let Ok((client, _)) = accepted else { return };
                if !accept_up.load(Ordering::SeqCst) {
                    accept_refused.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let (target, deaf) = (target.clone(), accept_deaf.clone());
                let (mut cuts, mut strands) = (cuts.clone(), strands.clone());
                // Only cuts and strandings after this connection opened concern it.
                cuts.borrow_and_update();
                strands.borrow_and_update();
                let silent = Arc::new(AtomicBool::new(false));
                tokio::spawn({
                    let silent = silent.clone();
                    async move {
                        if strands.changed().await.is_ok() {
                            silent.store(true, Ordering::SeqCst);
                        }
                    }
                });
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&target).await else { return };
                    tokio::select! {
                        _ = pipe(client, server, deaf, silent) => {}
                        // A cut severs connections that are open, like a pulled cable.
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Self { url, plugged, listening, strand, up, deaf, cut, refused }
    }

    /// The computer loses its network: open connections are severed, and new ones are
    /// refused before a byte is written.
    pub async fn unplug(&self) {
        self.plugged.send_replace(false);
        self.cut.send_modify(|generation| *generation += 1);
        self.until_listening(false).await;
    }

    /// The computer moved to another network: its open connections go silent, with no
    /// reset to say so (nothing of them reaches either end any more); new ones work.
    pub fn strand(&self) {
        self.strand.send_modify(|generation| *generation += 1);
    }

    pub async fn plug(&self) {
        self.plugged.send_replace(true);
        self.until_listening(true).await;
    }

    async fn until_listening(&self, listening: bool) {
        let mut state = self.listening.clone();
        let _ = state.wait_for(|now| *now == listening).await;
    }

    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// From now on requests still reach the server, and its answers go nowhere.
    pub fn deafen(&self) {
        self.deaf.store(true, Ordering::SeqCst);
    }
}

/// A port outside the range the system hands out to outgoing connections, so that
/// while the proxy is unplugged no connection of anyone's takes it, and it can listen
/// on it again.
async fn below_the_ephemeral_ports() -> TcpListener {
    for _ in 0..100 {
        let port = 20_000 + (fastrand_port() % 10_000);
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            return listener;
        }
    }
    panic!("no free loopback port between 20000 and 30000");
}

fn fastrand_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish() as u16
}

/// Both ways until both ends are done; what the server says is dropped while `deaf`,
/// and everything, both ways, once the connection is `silent`.
async fn pipe(client: TcpStream, server: TcpStream, deaf: Arc<AtomicBool>, silent: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let upstream = async {
        let mut buffer = vec![0u8; 16 * 1024];
        while let Ok(read @ 1..) = client_read.read(&mut buffer).await {
            if !silent.load(Ordering::SeqCst) && server_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        if !silent.load(Ordering::SeqCst) {
            let _ = server_write.shutdown().await;
        }
    };
    let downstream = async {
        let mut buffer = vec![0u8; 16 * 1024];
        while let Ok(read @ 1..) = server_read.read(&mut buffer).await {
            let dropped = deaf.load(Ordering::SeqCst) || silent.load(Ordering::SeqCst);
            if !dropped && client_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        if !silent.load(Ordering::SeqCst) {
            let _ = client_write.shutdown().await;
        }
    };
    tokio::join!(upstream, downstream);
    // A stranded connection never closes either: a network left behind sends nothing.
    if silent.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
}
