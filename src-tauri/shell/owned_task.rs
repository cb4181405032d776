//! Background work the shell starts is owned: an [`OwnedTask`] aborts its task when it
//! is dropped, so whoever keeps the handle decides how long the work may run, and
//! replacing the handle cancels the work it replaces.

use std::future::Future;

use tauri::async_runtime::{self, JoinHandle};

#[must_use = "dropping an OwnedTask aborts its task"]
pub struct OwnedTask(JoinHandle<()>);

impl OwnedTask {
    /// Runs `work` on the app's async runtime (from any thread, the main one included).
    pub fn spawn(work: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(async_runtime::spawn(work))
    }

    pub fn is_finished(&self) -> bool {
        self.0.inner().is_finished()
    }
}

impl Drop for OwnedTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn dropping_the_handle_cancels_the_work() {
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let task = OwnedTask::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
        drop(task);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!ran.load(Ordering::SeqCst), "the work ran after its owner let go");
    }

    #[tokio::test]
    async fn a_finished_task_says_so() {
        let task = OwnedTask::spawn(async {});
        tokio::time::timeout(Duration::from_secs(5), async {
            while !task.is_finished() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the task finished");
    }
}
