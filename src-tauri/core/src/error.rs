//! The core's error type. Each variant has a stable code the UI can branch on.

use crate::cloud::CloudError;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Cloud(#[from] CloudError),
    #[error("a chat is already in progress")]
    AlreadyActive,
    #[error("there is no chat in progress")]
    NoActiveChat,
    #[error("the chat was cancelled before it started")]
    Cancelled,
    /// The start request failed in a way the customer can do nothing about but try
    /// again; the cloud's own words go to the log, not to the customer.
    #[error("{}", start_failed_words(.0))]
    StartFailed(CloudError),
    #[error("{0}")]
    InvalidInput(String),
    #[error("there is no message {0} in this chat")]
    UnknownMessage(u64),
    #[error("the agent has not asked for a screenshot")]
    NoScreenshotRequest,
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    #[error("could not save the chat on this computer: {0}")]
    Storage(#[from] std::io::Error),
}

fn start_failed_words(error: &CloudError) -> &'static str {
    match error {
        CloudError::Network { .. } => "We couldn't reach the contact center. Please check your connection and try again.",
        CloudError::Status { status, .. } if status.is_server_error() => {
            "The contact center is having trouble right now. Please try again in a few minutes."
        }
        _ => "We couldn't start the chat. Please try again.",
    }
}

/// The code of a cloud failure by its cause: a network that IT must mend is not a
/// contact center in trouble, and neither is "check your connection".
fn cloud_code(error: &CloudError) -> Option<&'static str> {
    match error {
        CloudError::Network { cause, .. } => Some(cause.code()),
        CloudError::Status { status, .. } if status.is_server_error() => Some("cloud_trouble"),
        _ => None,
    }
}

impl ChatError {
    /// A stable, machine-readable code for the IPC boundary.
    pub fn code(&self) -> &'static str {
        match self {
            ChatError::Cloud(error) | ChatError::StartFailed(error) if cloud_code(error).is_some() => {
                cloud_code(error).unwrap_or("cloud_error")
            }
            ChatError::Cloud(error) if error.is_rejection() => "cloud_rejected",
            ChatError::Cloud(error) if error.is_transient() => "cloud_unreachable",
            ChatError::Cloud(_) => "cloud_error",
            ChatError::AlreadyActive => "already_active",
            ChatError::NoActiveChat => "no_active_chat",
            ChatError::Cancelled => "cancelled",
            ChatError::StartFailed(error) if error.is_transient() => "cloud_unreachable",
            ChatError::StartFailed(_) => "start_failed",
            ChatError::InvalidInput(_) => "invalid_input",
            ChatError::UnknownMessage(_) => "unknown_message",
            ChatError::Storage(_) => "storage",
            ChatError::NoScreenshotRequest => "no_screenshot_request",
            ChatError::Capture(_) => "capture",
        }
    }
}
