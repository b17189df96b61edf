//! The host's lanes: what may be dropped (log lines) apart from what may not (datagrams
//! to send, file offers, NOTIFY results, phones), and the backlog of undelivered
//! must-deliver events that makes the network thread stop taking on new phones.
//!
//! Three queues: `provisioning` (file offers, NOTIFY results, feed-mode datagrams) and
//! `devices` (discoveries and updates) are unbounded but held in check by the backlog;
//! `logs` is bounded and drops the newest line when full.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, unbounded, Receiver, Select, Sender, TryRecvError, TrySendError};

use crate::engine::Event;

use super::{RuntimeError, ServerEvent};

/// What gspnp may drop when the host falls behind; named in drop reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DroppedKind {
    /// Log lines: the only kind ever dropped.
    LogLine,
}

/// Which lane an event travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lane {
    /// File offers, NOTIFY results, feed-mode datagrams: must be delivered.
    Provisioning,
    /// Discoveries and updates of phones: must be delivered.
    Devices,
    /// Log lines and drop reports: may be dropped.
    Logs,
}

impl Lane {
    pub(super) fn of(event: &ServerEvent) -> Lane {
        match event {
            ServerEvent::Event(Event::ConfigReady(_) | Event::NotifyResult(_) | Event::ResyncResult(_))
            | ServerEvent::Transmit(_) => Lane::Provisioning,
            ServerEvent::Event(Event::Discovered(_) | Event::Updated(_)) => Lane::Devices,
            ServerEvent::Event(Event::Log(..)) | ServerEvent::EventsDropped { .. } => Lane::Logs,
        }
    }

    /// Whether events of this lane count in the backlog (they are never dropped).
    pub(super) fn must_deliver(self) -> bool {
        self != Lane::Logs
    }
}

/// Must-deliver events queued and not yet handled by the host, with the marks at which
/// the network thread stops admitting new phones (`high`) and starts again (`low`).
#[derive(Debug)]
pub(super) struct Backlog {
    undelivered: AtomicUsize,
    high: usize,
    low: usize,
    paused: AtomicBool,
    pauses: AtomicU64,
}

impl Backlog {
    /// Marks: pause at `high` (at least 1) undelivered events, resume at half of it.
    pub(super) fn new(high: usize) -> Backlog {
        let high = high.max(1);
        Backlog {
            undelivered: AtomicUsize::new(0),
            high,
            low: high / 2,
            paused: AtomicBool::new(false),
            pauses: AtomicU64::new(0),
        }
    }

    fn queued(&self) {
        self.undelivered.fetch_add(1, Ordering::AcqRel);
    }

    /// The host is done with one must-deliver event. True when the network thread is
    /// paused and may now resume: wake it.
    pub(super) fn delivered(&self) -> bool {
        let left = self.undelivered.fetch_sub(1, Ordering::AcqRel).saturating_sub(1);
        left <= self.low && self.paused.load(Ordering::Acquire)
    }

    /// Undelivered must-deliver events.
    pub(super) fn undelivered(&self) -> usize {
        self.undelivered.load(Ordering::Acquire)
    }

    /// Times the network thread stopped admitting new phones.
    pub(super) fn pauses(&self) -> u64 {
        self.pauses.load(Ordering::Relaxed)
    }

    /// Network thread: whether new phones may be admitted now, given whether they are;
    /// counts a pause when it starts.
    pub(super) fn admit(&self, admitting: bool) -> bool {
        let undelivered = self.undelivered();
        let admit = if admitting { undelivered < self.high } else { undelivered <= self.low };
        if admitting && !admit {
            self.pauses.fetch_add(1, Ordering::Relaxed);
        }
        self.paused.store(!admit, Ordering::Release);
        admit
    }
}

/// The network thread's ends of the lanes.
pub(super) struct Outbox {
    provisioning: Sender<ServerEvent>,
    devices: Sender<ServerEvent>,
    logs: Sender<ServerEvent>,
    /// False when the host has no use for log lines: they are not queued at all.
    takes_logs: bool,
}

/// The host's ends of the lanes.
pub(super) struct Inbox {
    pub provisioning: Receiver<ServerEvent>,
    pub devices: Receiver<ServerEvent>,
    pub logs: Receiver<ServerEvent>,
}

/// New lanes holding at most `log_lines` log lines.
pub(super) fn lanes(log_lines: usize, takes_logs: bool) -> (Outbox, Inbox) {
    let (provisioning, provisioning_receiver) = unbounded();
    let (devices, devices_receiver) = unbounded();
    let (logs, logs_receiver) = bounded(log_lines.max(1));
    (
        Outbox { provisioning, devices, logs, takes_logs },
        Inbox { provisioning: provisioning_receiver, devices: devices_receiver, logs: logs_receiver },
    )
}

/// Log lines dropped, in all and not yet reported to the host.
#[derive(Debug, Default)]
pub(super) struct DropCounters {
    total: AtomicU64,
    unreported: AtomicU64,
}

impl DropCounters {
    fn count(&self) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.unreported.fetch_add(1, Ordering::AcqRel);
    }

    pub(super) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// A report of the drops not yet reported, if any; they count as reported now.
    pub(super) fn take_report(&self) -> Option<ServerEvent> {
        match self.unreported.swap(0, Ordering::AcqRel) {
            0 => None,
            count => Some(ServerEvent::EventsDropped { kind: DroppedKind::LogLine, count }),
        }
    }
}

impl Outbox {
    /// Queues `event` without blocking. A log line that does not fit is dropped and
    /// counted in `drops`; every other event is queued and counted in `backlog`.
    pub(super) fn send(&self, event: ServerEvent, backlog: &Backlog, drops: &DropCounters) {
        let lane = Lane::of(&event);
        let sender = match lane {
            Lane::Provisioning => &self.provisioning,
            Lane::Devices => &self.devices,
            Lane::Logs if !self.takes_logs => return,
            Lane::Logs => {
                if let Err(TrySendError::Full(_)) = self.logs.try_send(event) {
                    drops.count();
                }
                return;
            }
        };
        // Unbounded: only fails once the host's side is gone, i.e. while stopping.
        if sender.send(event).is_ok() {
            backlog.queued();
        }
    }
}

impl Inbox {
    /// Pull API: the next event of any lane, provisioning first, then phones, then log
    /// lines, waiting at most `timeout`. Must-deliver events taken count as delivered
    /// in `backlog` (true in the second member: wake the network thread).
    pub(super) fn next(&self, timeout: Duration, backlog: &Backlog) -> Result<(ServerEvent, bool), RuntimeError> {
        let deadline = Instant::now().checked_add(timeout);
        let lanes = [&self.provisioning, &self.devices, &self.logs];
        loop {
            let mut disconnected = 0;
            for lane in lanes {
                match lane.try_recv() {
                    Ok(event) => {
                        let wake = Lane::of(&event).must_deliver() && backlog.delivered();
                        return Ok((event, wake));
                    }
                    Err(TryRecvError::Disconnected) => disconnected += 1,
                    Err(TryRecvError::Empty) => {}
                }
            }
            if disconnected == lanes.len() {
                return Err(RuntimeError::Stopped);
            }
            let mut select = Select::new();
            for lane in lanes {
                select.recv(lane);
            }
            let ready = match deadline {
                Some(deadline) => select.ready_deadline(deadline).is_ok(),
                None => {
                    select.ready();
                    true
                }
            };
            if !ready {
                return Err(RuntimeError::Timeout);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_line() -> ServerEvent {
        ServerEvent::Event(Event::Log(crate::engine::LogLevel::Info, "line".into()))
    }

    fn result() -> ServerEvent {
        ServerEvent::Event(Event::NotifyResult(crate::engine::NotifyResult {
            mac: crate::mac::Mac([0, 0x0b, 0x82, 0, 0, 1]),
            destination: "192.0.2.2:5060".parse().unwrap(),
            url: "http://h/".into(),
            outcome: crate::engine::NotifyOutcome::Acknowledged(200),
            in_dialog: true,
        }))
    }

    #[test]
    fn log_lines_beyond_their_queue_are_dropped_and_counted_but_results_never() {
        let (outbox, inbox) = lanes(2, true);
        let (backlog, drops) = (Backlog::new(4), DropCounters::default());
        for _ in 0..5 {
            outbox.send(log_line(), &backlog, &drops);
            outbox.send(result(), &backlog, &drops);
        }
        assert_eq!((drops.total(), backlog.undelivered()), (3, 5));
        assert!(matches!(
            drops.take_report(),
            Some(ServerEvent::EventsDropped { kind: DroppedKind::LogLine, count: 3 })
        ));
        assert!(drops.take_report().is_none(), "reported once");
        assert_eq!(inbox.provisioning.len(), 5);
        assert_eq!(inbox.logs.len(), 2);
    }

    #[test]
    fn admission_pauses_at_the_high_mark_and_resumes_at_the_low_mark_with_a_wake_up() {
        let (outbox, _inbox) = lanes(1, false);
        let (backlog, drops) = (Backlog::new(4), DropCounters::default());
        for _ in 0..3 {
            outbox.send(result(), &backlog, &drops);
        }
        assert!(backlog.admit(true), "3 of 4: still admitting");
        outbox.send(result(), &backlog, &drops);
        assert!(!backlog.admit(true), "4 of 4: paused");
        assert_eq!(backlog.pauses(), 1);
        assert!(!backlog.delivered(), "3 left: above the low mark");
        assert!(!backlog.admit(false), "still paused above the low mark");
        assert!(backlog.delivered(), "2 left: wake the network thread");
        assert!(backlog.admit(false), "admitting again");
        assert_eq!(backlog.pauses(), 1);
    }

    #[test]
    fn the_pull_side_takes_provisioning_before_phones_before_log_lines() {
        let (outbox, inbox) = lanes(8, true);
        let (backlog, drops) = (Backlog::new(100), DropCounters::default());
        outbox.send(log_line(), &backlog, &drops);
        outbox.send(result(), &backlog, &drops);
        let first = inbox.next(Duration::ZERO, &backlog).unwrap().0;
        assert!(matches!(first, ServerEvent::Event(Event::NotifyResult(_))));
        assert_eq!(backlog.undelivered(), 0);
        assert!(matches!(inbox.next(Duration::ZERO, &backlog).unwrap().0, ServerEvent::Event(Event::Log(..))));
        assert!(matches!(inbox.next(Duration::from_millis(5), &backlog), Err(RuntimeError::Timeout)));
        drop(outbox);
        assert!(matches!(inbox.next(Duration::from_secs(5), &backlog), Err(RuntimeError::Stopped)));
    }
}
