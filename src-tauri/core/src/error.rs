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
    if matches!(error, CloudError::Network { .. }) {
        "We couldn't reach the contact center. Please check your connection and try again."
    } else {
        "We couldn't start the chat. Please try again."
    }
}

impl ChatError {
    /// A stable, machine-readable code for the IPC boundary.
    pub fn code(&self) -> &'static str {
        match self {
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
