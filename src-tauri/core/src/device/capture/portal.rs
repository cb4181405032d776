//! The desktop takes the picture: one xdg-desktop-portal Screenshot request for the whole
//! desktop. Asked without a dialog first; a desktop that refuses (its permission for this
//! app is off) is asked once more with its dialog, which the customer answers. Only ever
//! started from the customer's click in our consent dialog, so our window has the focus
//! GNOME wants before it shows its own.

use std::path::PathBuf;
use std::time::Duration;

use ashpd::desktop::screenshot::Screenshot;
use ashpd::desktop::ResponseError;
use ashpd::WindowIdentifier;

use super::{CaptureError, ParentWindow};

/// Long enough for a customer to read and answer the desktop's dialog.
const ANSWER_TIME: Duration = Duration::from_secs(180);

/// The desktop as a PNG, read from the file the portal wrote and then deleted: a picture
/// of the customer's screen is not left on their disk (nor on a kiosk's).
pub async fn screenshot(parent: Option<ParentWindow>) -> Result<Vec<u8>, CaptureError> {
    tracing::debug!(parent = %parent.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string), "asking the desktop's screenshot portal");
    let path = match request(false, &parent).await {
        Err(CaptureError::Denied) => {
            tracing::info!("the desktop refused a silent screenshot; asking with its dialog");
            request(true, &parent).await?
        }
        other => other?,
    };
    let png = tokio::fs::read(&path)
        .await
        .map_err(|error| CaptureError::Capture(format!("the desktop's picture could not be read: {error}")))?;
    if let Err(error) = tokio::fs::remove_file(&path).await {
        tracing::debug!(%error, "the desktop's picture could not be deleted");
    }
    Ok(png)
}

async fn request(interactive: bool, parent: &Option<ParentWindow>) -> Result<PathBuf, CaptureError> {
    // A connection per request: ashpd's shared one belongs to the runtime that made it.
    let connection = ashpd::zbus::Connection::session()
        .await
        .map_err(|error| CaptureError::NoScreen(format!("no session bus to reach the desktop: {error}")))?;
    let asked = Screenshot::request()
        .identifier(parent.as_ref().map(identifier))
        .interactive(interactive)
        .modal(true)
        .connection(Some(connection))
        .send();
    let answer = tokio::time::timeout(ANSWER_TIME, asked)
        .await
        .map_err(|_| CaptureError::Capture("the desktop did not answer the screenshot request".into()))?
        .and_then(|request| request.response())
        .map_err(from_portal)?;
    let uri = answer.uri().as_str();
    url::Url::parse(uri).ok().filter(|url| url.scheme() == "file").and_then(|url| url.to_file_path().ok()).ok_or_else(
        || CaptureError::Capture(format!("the desktop answered with an unreadable picture address ({uri})")),
    )
}

fn identifier(parent: &ParentWindow) -> WindowIdentifier {
    match parent {
        ParentWindow::X11(xid) => WindowIdentifier::from_xid(*xid as std::os::raw::c_ulong),
        ParentWindow::Wayland(handle) => WindowIdentifier::from_xdg_foreign_exported(handle.clone()),
    }
}

fn from_portal(error: ashpd::Error) -> CaptureError {
    match error {
        ashpd::Error::Response(ResponseError::Cancelled) => CaptureError::Cancelled,
        ashpd::Error::Response(ResponseError::Other) => CaptureError::Denied,
        ashpd::Error::PortalNotFound(_) => CaptureError::NoScreen("this desktop offers no screenshot portal".into()),
        other => CaptureError::Capture(other.to_string()),
    }
}
