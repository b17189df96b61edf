//! The device table: every phone seen, bounded, the least recently seen forgotten first.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::SocketAddrV4;
use std::time::Instant;

use crate::device::DeviceInfo;
use crate::mac::Mac;

use super::event::NotifyOutcome;
use super::resync::ResyncOutcome;

/// Where a phone is in provisioning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceState {
    /// Recorded; nothing sent (discover mode, or nothing assigned yet).
    Seen,
    /// A file was rendered and waits for the host's decision.
    AwaitingHost,
    /// The SUBSCRIBE was answered.
    Answered,
    /// A NOTIFY is on its way.
    Notified,
    /// The phone acknowledged the NOTIFY.
    Acknowledged,
    /// Provisioning failed.
    Failed(FailReason),
}

/// Why provisioning failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailReason {
    /// The phone answered the NOTIFY with this status.
    Rejected(u16),
    /// The phone never answered the NOTIFY.
    Timeout,
    /// The host refused the file.
    Vetoed,
    /// The host did not decide on the file in time.
    NoDecision,
    /// The profile could not be rendered for this phone.
    RenderFailed,
}

/// A phone and what the engine knows of it. Its Debug output leaves out the URL token
/// and the messages (the NOTIFY carries the URL): hosts log these.
#[derive(Clone)]
pub struct DeviceRecord {
    /// What its last SUBSCRIBE said.
    pub info: DeviceInfo,
    /// Where it is in provisioning.
    pub state: DeviceState,
    /// Our address as the phone reached it (Contact and Via of what we send).
    pub local: SocketAddrV4,
    /// First SUBSCRIBE.
    pub first_seen: Instant,
    /// Last SUBSCRIBE.
    pub last_seen: Instant,
    /// SUBSCRIBEs received, retransmissions included.
    pub subscribes: u64,
    /// When the phone last acknowledged a NOTIFY.
    pub last_acknowledged: Option<Instant>,
    /// Its URL token, once it was served from a profile.
    pub token: Option<String>,
    /// How its last NOTIFY ended.
    pub last_notify: Option<NotifyOutcome>,
    /// How its last re-provisioning ended.
    pub last_resync: Option<ResyncOutcome>,
    stamp: u64,
}

impl fmt::Debug for DeviceRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceRecord")
            .field("info", &self.info)
            .field("state", &self.state)
            .field("local", &self.local)
            .field("first_seen", &self.first_seen)
            .field("last_seen", &self.last_seen)
            .field("subscribes", &self.subscribes)
            .field("last_acknowledged", &self.last_acknowledged)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("last_notify", &self.last_notify)
            .field("last_resync", &self.last_resync)
            .finish_non_exhaustive()
    }
}

/// The table.
#[derive(Debug)]
pub struct DeviceTable {
    capacity: usize,
    records: HashMap<Mac, DeviceRecord>,
    by_age: BTreeMap<u64, Mac>,
    next_stamp: u64,
    /// Every record with a smaller stamp was idle when last swept.
    swept_below: u64,
}

/// What [`DeviceTable::touch`] did.
pub enum Touched {
    /// The phone was not in the table; `evicted` was forgotten to make room.
    New { evicted: Option<Box<DeviceRecord>> },
    /// The phone was known.
    Known,
}

impl DeviceTable {
    /// An empty table holding at most `capacity` phones (at least 1).
    pub fn new(capacity: usize) -> DeviceTable {
        DeviceTable {
            capacity: capacity.max(1),
            records: HashMap::new(),
            by_age: BTreeMap::new(),
            next_stamp: 0,
            swept_below: 0,
        }
    }

    /// Records a SUBSCRIBE from `info.mac`, making it the most recently seen.
    pub fn touch(&mut self, info: DeviceInfo, local: SocketAddrV4, now: Instant) -> Touched {
        self.next_stamp += 1;
        let stamp = self.next_stamp;
        if let Some(record) = self.records.get_mut(&info.mac) {
            self.by_age.remove(&record.stamp);
            self.by_age.insert(stamp, info.mac);
            record.stamp = stamp;
            record.info = info;
            record.local = local;
            record.last_seen = now;
            record.subscribes += 1;
            return Touched::Known;
        }
        let evicted = if self.records.len() >= self.capacity { self.evict_oldest() } else { None };
        self.by_age.insert(stamp, info.mac);
        self.records.insert(
            info.mac,
            DeviceRecord {
                info,
                state: DeviceState::Seen,
                local,
                first_seen: now,
                last_seen: now,
                subscribes: 1,
                last_acknowledged: None,
                token: None,
                last_notify: None,
                last_resync: None,
                stamp,
            },
        );
        Touched::New { evicted }
    }

    fn evict_oldest(&mut self) -> Option<Box<DeviceRecord>> {
        let (_, mac) = self.by_age.pop_first()?;
        self.records.remove(&mac).map(Box::new)
    }

    /// Calls `idle` once for every phone last seen at or before `cutoff` since the last
    /// sweep, oldest first, and returns when the next one not yet idle was seen. Each
    /// phone is visited once per SUBSCRIBE: amortised O(1).
    pub fn sweep_idle(&mut self, cutoff: Instant, mut idle: impl FnMut(&DeviceRecord)) -> Option<Instant> {
        while let Some((&stamp, &mac)) = self.by_age.range(self.swept_below..).next() {
            if let Some(record) = self.records.get(&mac) {
                if record.last_seen > cutoff {
                    return Some(record.last_seen);
                }
                idle(record);
            }
            self.swept_below = stamp + 1;
        }
        None
    }

    /// Forgets the phone; its record, if it was known.
    pub fn remove(&mut self, mac: &Mac) -> Option<DeviceRecord> {
        let record = self.records.remove(mac)?;
        self.by_age.remove(&record.stamp);
        Some(record)
    }

    /// The phone, if known.
    pub fn get(&self, mac: &Mac) -> Option<&DeviceRecord> {
        self.records.get(mac)
    }

    /// The phone, if known, for changing.
    pub fn get_mut(&mut self, mac: &Mac) -> Option<&mut DeviceRecord> {
        self.records.get_mut(mac)
    }

    /// Every phone, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &DeviceRecord> {
        self.records.values()
    }

    /// How many phones are known.
    pub fn len(&self) -> usize {
        self.records.len()
    }
}

/// What a host reads back about a phone: a copy, taken on the network thread.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSnapshot {
    /// What its last SUBSCRIBE said (its source is the phone's last address).
    pub info: DeviceInfo,
    /// Where it is in provisioning.
    pub state: DeviceState,
    /// First SUBSCRIBE.
    pub first_seen: Instant,
    /// Last SUBSCRIBE.
    pub last_seen: Instant,
    /// SUBSCRIBEs received, retransmissions included.
    pub subscribes: u64,
    /// Whether an assignment or a default covers it now.
    pub assigned: bool,
    /// How its last NOTIFY ended.
    pub last_notify: Option<NotifyOutcome>,
    /// How its last re-provisioning ended.
    pub last_resync: Option<ResyncOutcome>,
}
