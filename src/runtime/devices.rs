//! What the host reads back about the phones a server knows, on the wall clock.

use std::time::{Instant, SystemTime};

use crate::device::DeviceInfo;
use crate::engine::{DeviceSnapshot, DeviceState, NotifyOutcome};

/// One phone as the server knows it: enough for a host to rebuild its own list after a
/// restart. Times are wall-clock (read at the moment of the copy).
#[derive(Debug, Clone, PartialEq)]
pub struct KnownDevice {
    /// What its last SUBSCRIBE said; `info.source` is its last address.
    pub info: DeviceInfo,
    /// Where it is in provisioning.
    pub state: DeviceState,
    /// Its first SUBSCRIBE.
    pub first_seen: SystemTime,
    /// Its last SUBSCRIBE.
    pub last_seen: SystemTime,
    /// SUBSCRIBEs received, retransmissions included.
    pub subscribes: u64,
    /// Whether an assignment (its own or a default) covers it now.
    pub assigned: bool,
    /// How its last NOTIFY ended, if one did.
    pub last_notify: Option<NotifyOutcome>,
}

/// Converts monotonic instants to wall-clock times against one reading of both clocks.
pub(super) struct WallClock {
    now: Instant,
    wall: SystemTime,
}

impl WallClock {
    pub(super) fn read() -> WallClock {
        WallClock { now: Instant::now(), wall: SystemTime::now() }
    }

    fn at(&self, instant: Instant) -> SystemTime {
        let ago = self.now.saturating_duration_since(instant);
        self.wall.checked_sub(ago).unwrap_or(SystemTime::UNIX_EPOCH)
    }

    pub(super) fn device(&self, snapshot: DeviceSnapshot) -> KnownDevice {
        KnownDevice {
            first_seen: self.at(snapshot.first_seen),
            last_seen: self.at(snapshot.last_seen),
            info: snapshot.info,
            state: snapshot.state,
            subscribes: snapshot.subscribes,
            assigned: snapshot.assigned,
            last_notify: snapshot.last_notify,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_instant_a_minute_ago_is_a_wall_clock_time_a_minute_before_the_reading() {
        let clock = WallClock::read();
        let Some(minute_ago) = clock.now.checked_sub(Duration::from_secs(60)) else { return };
        assert_eq!(clock.wall.duration_since(clock.at(minute_ago)).unwrap(), Duration::from_secs(60));
        assert_eq!(clock.at(clock.now + Duration::from_secs(5)), clock.wall, "never in the future");
    }
}
