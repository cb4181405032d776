//! The core's error type. Each variant has a stable code the UI can branch on.

use crate::wire::cloud::CloudError;

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
    Capture(#[from] crate::device::capture::CaptureError),
    #[error("could not save the chat on this computer: {0}")]
    Storage(#[from] std::io::Error),
}

impl From<crate::wire::protocol::InvalidRequest> for ChatError {
    fn from(invalid: crate::wire::protocol::InvalidRequest) -> Self {
        ChatError::InvalidInput(invalid.0)
    }
}

fn start_failed_words(error: &CloudError) -> &'static str {
    match error {
        CloudError::Network { .. } => {
            "We couldn't reach the contact center. Please check your connection and try again."
        }
        CloudError::Status { status, .. } if status.is_server_error() => {
            "The contact center is having trouble right now. Please try again in a few minutes."
        }
        _ => "We couldn't start the chat. Please try again.",
    }
}

/// The code of a cloud failure by its cause: a network that IT must mend is not a
/// contact center in trouble, and neither is "check your connection".
fn cloud_code(error: &CloudError, rejected: &'static str, otherwise: &'static str) -> &'static str {
    match error {
        CloudError::Network { cause, .. } => cause.code(),
        CloudError::Status { status, .. } if status.is_server_error() => "cloud_trouble",
        error if error.is_rejection() => rejected,
        error if error.is_transient() => "cloud_unreachable",
        _ => otherwise,
    }
}

impl ChatError {
    /// A stable, machine-readable code for the IPC boundary.
    pub fn code(&self) -> &'static str {
        match self {
            ChatError::Cloud(error) => cloud_code(error, "cloud_rejected", "cloud_error"),
            ChatError::StartFailed(error) => cloud_code(error, "start_failed", "start_failed"),
            ChatError::AlreadyActive => "already_active",
            ChatError::NoActiveChat => "no_active_chat",
            ChatError::Cancelled => "cancelled",
            ChatError::InvalidInput(_) => "invalid_input",
            ChatError::UnknownMessage(_) => "unknown_message",
            ChatError::Storage(_) => "storage",
            ChatError::NoScreenshotRequest => "no_screenshot_request",
            ChatError::Capture(_) => "capture",
        }
    }
}
