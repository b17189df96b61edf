//! The panic boundary and the argument checks shared by every exported function.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::gspnp_status;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the detailed message for the calling thread's last failed call.
pub(crate) fn set_last_error(message: impl Into<String>) {
    let message = message.into();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
}

/// Runs `body`, turning a panic into [`gspnp_status::GSPNP_STATUS_PANIC`] and recording
/// the message of any failure for `gspnp_last_error_message`.
pub(crate) fn guard(body: impl FnOnce() -> Result<(), Failure>) -> gspnp_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => gspnp_status::GSPNP_STATUS_OK,
        Ok(Err(failure)) => {
            set_last_error(failure.message);
            failure.status
        }
        Err(_) => {
            set_last_error("internal error: a panic was caught at the C boundary");
            gspnp_status::GSPNP_STATUS_PANIC
        }
    }
}

/// Like [`guard`] for functions that return a value instead of a status: a panic
/// returns `fallback`.
pub(crate) fn guard_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(fallback)
}

/// A failed call: its status and a message for the host.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: gspnp_status,
    pub message: String,
}

impl Failure {
    pub(crate) fn new(status: gspnp_status, message: impl Into<String>) -> Failure {
        Failure { status, message: message.into() }
    }

    pub(crate) fn null(argument: &str) -> Failure {
        Failure::new(gspnp_status::GSPNP_STATUS_NULL_PARAMETER, format!("argument `{argument}` is NULL"))
    }
}

/// Copies the calling thread's last error message.
pub(crate) fn last_error() -> String {
    LAST_ERROR.with(|slot| slot.borrow().clone())
}

/// Returns `Err(Failure::null(..))` when a pointer argument is NULL.
macro_rules! require {
    ($ptr:expr) => {
        if $ptr.is_null() {
            return Err($crate::ffi::guard::Failure::null(stringify!($ptr)));
        }
    };
}
