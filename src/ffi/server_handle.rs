//! The Rust side of a gspnp_server: the server, shared with the calls inside it, so
//! that gspnp_server_free() stops it and waits for them instead of freeing it under
//! them (a thread blocked in gspnp_server_next_event holds a borrow of its queue).

use std::ops::Deref;
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use super::guard::Failure;
use super::status::gspnp_status;
use crate::runtime::{RuntimeError, Server};

/// What the host's pointer points at. Each call enters it ([`ServerHandle::enter`]) and
/// holds its own reference to the server until it returns; free closes it first.
pub(crate) struct ServerHandle {
    shared: Arc<Shared>,
}

struct Shared {
    server: Server,
    calls: Mutex<Calls>,
    drained: Condvar,
}

#[derive(Default)]
struct Calls {
    inside: usize,
    closing: bool,
}

impl ServerHandle {
    pub(crate) fn new(server: Server) -> ServerHandle {
        let calls = Mutex::new(Calls::default());
        ServerHandle { shared: Arc::new(Shared { server, calls, drained: Condvar::new() }) }
    }

    /// Enters a call: the server stays alive, and free waits, until the returned guard
    /// is dropped. GSPNP_STATUS_STOPPED once gspnp_server_free() has begun.
    pub(crate) fn enter(&self) -> Result<Call, Failure> {
        let mut calls = self.shared.calls.lock();
        if calls.closing {
            return Err(Failure::new(gspnp_status::GSPNP_STATUS_STOPPED, "the server is being freed"));
        }
        calls.inside += 1;
        Ok(Call { shared: self.shared.clone() })
    }

    /// The first half of gspnp_server_free(): refuses new calls, stops the server
    /// (which makes blocked gspnp_server_next_event calls return STOPPED) and waits
    /// until every call that entered has returned. On the server's own callback thread
    /// it does not wait (a call inside, such as gspnp_server_stop(), may be waiting for
    /// this very thread): the server then ends when the last call leaves.
    pub(crate) fn close(&self) {
        self.shared.calls.lock().closing = true;
        if let Err(RuntimeError::CalledFromCallback) = self.shared.server.stop() {
            return;
        }
        let mut calls = self.shared.calls.lock();
        while calls.inside > 0 {
            self.shared.drained.wait(&mut calls);
        }
    }
}

/// A call inside the server; it leaves when dropped.
pub(crate) struct Call {
    shared: Arc<Shared>,
}

impl Deref for Call {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.shared.server
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let mut calls = self.shared.calls.lock();
        calls.inside -= 1;
        if calls.inside == 0 && calls.closing {
            self.shared.drained.notify_all();
        }
    }
}
