//! TAKE_SCREENSHOT: the customer's consent, twice. The agent asks; the customer may
//! look at a capture first; only *send* uploads it. Declining, a failed capture, a
//! failed upload or no answer in time all tell the agent REJECTED.

use std::sync::Arc;

use serde::Serialize;
use tokio_util::sync::DropGuard;

use super::stamp::Stamp;
use super::{Chat, Shared};
use crate::chat::events::ChatEvent;
use crate::chat::transcript::SystemLine;
use crate::device::capture::{self, CaptureTarget, ParentWindow};
use crate::error::ChatError;
use crate::wire::protocol::ScreenshotAnswer;

/// A captured screen the customer is looking at before deciding to send it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScreenshotPreview {
    /// A small PNG `data:` URL of exactly what would be sent.
    pub preview: String,
    pub width: u32,
    pub height: u32,
}

/// Where a TAKE_SCREENSHOT request stands. `request` tells one request from the next;
/// the timer that declines an unanswered request stops when its flow is dropped.
#[derive(Default)]
pub(super) enum ScreenshotFlow {
    #[default]
    None,
    Asked {
        request: u64,
        _timer: DropGuard,
    },
    /// Captured and shown to the customer, not sent.
    Previewed {
        request: u64,
        png: Vec<u8>,
        _timer: DropGuard,
    },
}

impl ScreenshotFlow {
    pub fn request(&self) -> Option<u64> {
        match self {
            ScreenshotFlow::None => None,
            ScreenshotFlow::Asked { request, .. } | ScreenshotFlow::Previewed { request, .. } => Some(*request),
        }
    }
}

impl Chat {
    /// Captures the screen for the consent dialog (off the async runtime). Nothing is
    /// sent yet. If capturing fails, the agent is told REJECTED and the chat goes on.
    /// A dialog the desktop shows for it belongs to `parent`, the app's window.
    pub async fn capture_screenshot(
        &self,
        target: CaptureTarget,
        parent: Option<ParentWindow>,
    ) -> Result<ScreenshotPreview, ChatError> {
        let (stamp, request) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let request = inner.current(&stamp).and_then(|live| live.screenshot.request());
            (stamp, request.ok_or(ChatError::NoScreenshotRequest)?)
        };
        let captured = match capture::capture(target, parent).await {
            Ok(shot) => tokio::task::spawn_blocking(move || {
                let preview = capture::preview_data_url(&shot.png, 640)?;
                Ok::<_, capture::CaptureError>((shot, preview))
            })
            .await
            .unwrap_or_else(|join| Err(capture::CaptureError::Capture(join.to_string()))),
            Err(error) => Err(error),
        };
        match captured {
            Ok((shot, preview)) => {
                let mut inner = self.shared.lock();
                let live = inner.current(&stamp).filter(|live| live.screenshot.request() == Some(request));
                let Some(live) = live else { return Err(ChatError::NoScreenshotRequest) };
                let ScreenshotFlow::Asked { _timer, .. } = std::mem::take(&mut live.screenshot) else {
                    return Err(ChatError::NoScreenshotRequest);
                };
                live.screenshot = ScreenshotFlow::Previewed { request, png: shot.png, _timer };
                Ok(ScreenshotPreview { preview, width: shot.width, height: shot.height })
            }
            Err(capture::CaptureError::Cancelled) => {
                // The customer said no in the desktop's own dialog: that is declining.
                tracing::info!("the screenshot was cancelled in the desktop's dialog; declining the request");
                self.shared.decline_screenshot(&stamp, request, SystemLine::ScreenshotDeclined).await;
                Err(capture::CaptureError::Cancelled.into())
            }
            Err(error) => {
                tracing::warn!(%error, "screen capture failed; declining the request");
                self.shared.decline_screenshot(&stamp, request, SystemLine::ScreenshotNotTaken).await;
                Err(error.into())
            }
        }
    }

    /// Answers TAKE_SCREENSHOT: `send` uploads the previewed PNG and notifies ACCEPTED
    /// with its uuid; otherwise REJECTED. A failed upload is reported as REJECTED.
    pub async fn answer_screenshot(&self, send: bool) -> Result<ScreenshotAnswer, ChatError> {
        let (stamp, flow) = {
            let mut inner = self.shared.lock();
            let stamp = inner.live_stamp()?;
            let Some(live) = inner.current(&stamp) else { return Err(ChatError::NoActiveChat) };
            if send && !matches!(live.screenshot, ScreenshotFlow::Previewed { .. }) {
                return Err(ChatError::NoScreenshotRequest);
            }
            (stamp, std::mem::take(&mut live.screenshot))
        };
        let (answer, upload_error) = match flow {
            ScreenshotFlow::Previewed { png, .. } if send => match self.shared.cloud.upload_screenshot(&png).await {
                Ok(uuid) => (ScreenshotAnswer::Accepted { uuid }, None),
                Err(error) => {
                    tracing::warn!(%error, "screenshot upload failed; telling the agent it was not sent");
                    (ScreenshotAnswer::Rejected, Some(error))
                }
            },
            _ => (ScreenshotAnswer::Rejected, None),
        };
        self.shared.cloud.notify_screenshot(&stamp.id, &answer).await?;
        let line = match (&answer, &upload_error) {
            (ScreenshotAnswer::Accepted { .. }, _) => SystemLine::ScreenshotShared,
            (ScreenshotAnswer::Rejected, None) => SystemLine::ScreenshotDeclined,
            (ScreenshotAnswer::Rejected, Some(_)) => SystemLine::ScreenshotFailed,
        };
        // Only into the chat that asked: after a wipe this is another customer's.
        self.shared.system_line(&stamp, line);
        match upload_error {
            Some(error) => Err(error.into()),
            None => Ok(answer),
        }
    }
}

impl Shared {
    /// Opens the consent flow and arms its timeout: an unanswered request is declined.
    pub(super) fn screenshot_requested(self: &Arc<Self>, stamp: &Stamp) {
        let timeout = self.settings.screenshot_consent_timeout;
        {
            let mut inner = self.lock();
            inner.screenshot_requests += 1;
            let request = inner.screenshot_requests;
            let Some(live) = inner.current(stamp) else { return };
            let timer = live.child_token();
            let shared = Arc::downgrade(self);
            let (stamp, cancelled) = (stamp.clone(), timer.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = cancelled.cancelled() => {}
                    _ = tokio::time::sleep(timeout) => {
                        if let Some(shared) = shared.upgrade() {
                            tracing::info!("screenshot request not answered in time; declining");
                            shared.decline_screenshot(&stamp, request, SystemLine::ScreenshotTimedOut).await;
                        }
                    }
                }
            });
            live.screenshot = ScreenshotFlow::Asked { request, _timer: timer.drop_guard() };
        }
        self.events.emit(ChatEvent::ScreenshotRequested);
    }

    /// Declines request `request` of chat `stamp` if it is still open, and closes the dialog.
    pub(super) async fn decline_screenshot(&self, stamp: &Stamp, request: u64, line: SystemLine) {
        {
            let mut inner = self.lock();
            let live_chat = inner.state.is_live();
            let Some(live) =
                inner.current(stamp).filter(|live| live_chat && live.screenshot.request() == Some(request))
            else {
                return;
            };
            live.screenshot = ScreenshotFlow::None;
        }
        self.events.emit(ChatEvent::ScreenshotClosed);
        if let Err(error) = self.cloud.notify_screenshot(&stamp.id, &ScreenshotAnswer::Rejected).await {
            tracing::warn!(%error, "could not tell the agent the screenshot was declined");
        }
        self.system_line(stamp, line);
    }
}
