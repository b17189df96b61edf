//! What a simulation run found, as text or as one JSON object.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

use super::options::Until;

/// Datagram counts over all phones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Datagrams {
    /// Sent by phones (dropped ones included).
    pub sent: u64,
    /// Of those, dropped by the injected loss.
    pub sent_dropped: u64,
    /// Arrived for a phone.
    pub received: u64,
    /// Of those, dropped by the injected loss.
    pub received_dropped: u64,
    /// Arrived but meant for no phone.
    pub stray: u64,
    /// Refused by the phones' own sockets (lost before the network).
    pub refused: u64,
}

/// What provisioned phones did afterwards (`--stay`, `--register`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Later {
    /// Resync NOTIFYs accepted with the right credentials.
    pub resyncs_done: u64,
    /// Resync NOTIFYs refused (wrong or missing credentials on a retry).
    pub resyncs_refused: u64,
    /// Reboots begun on a `check-sync;reboot=true`.
    pub reboots: u64,
    /// Files re-fetched and checked after a check-sync.
    pub refetched: u64,
    /// Re-fetches that failed.
    pub refetch_failed: u64,
    /// Phones whose latest registration succeeded.
    pub registered: usize,
    /// Phones whose latest registration failed, by reason.
    pub register_failed_by_reason: BTreeMap<String, usize>,
}

/// The result of a run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Phones simulated.
    pub phones: usize,
    /// What ended a phone's run.
    pub until: Until,
    /// Phones whose file was fetched and correct.
    pub provisioned: usize,
    /// Phones notified (with `--until notify`).
    pub notified: usize,
    /// Phones answered (with `--until answer`).
    pub answered: usize,
    /// Phones all of whose SUBSCRIBEs the loss dropped.
    pub unreachable: usize,
    /// Failed phones by reason.
    pub failed_by_reason: BTreeMap<String, usize>,
    /// Handshakes per second, from the first SUBSCRIBE to the last handshake's end (the
    /// NOTIFY; with `--until answer`, the answer).
    pub handshakes_per_s: f64,
    /// Milliseconds from each phone's first SUBSCRIBE to the first final answer.
    pub answer_ms: Vec<f64>,
    /// Milliseconds from each phone's first SUBSCRIBE to its NOTIFY.
    pub notify_ms: Vec<f64>,
    /// Milliseconds from each provisioned phone's first SUBSCRIBE to its checked file.
    pub file_ms: Vec<f64>,
    /// How long the run took.
    pub elapsed: Duration,
    /// UDP sockets used.
    pub sockets: usize,
    /// CPU seconds of the simulator itself (all threads).
    pub cpu_s: f64,
    /// Datagram counts.
    pub datagrams: Datagrams,
    /// After provisioning.
    pub later: Later,
    /// A few failures described, `MAC: what went wrong`.
    pub examples: Vec<String>,
}

/// The `percent`th percentile (nearest rank) of `values`, or None when there are none.
pub fn percentile(values: &[f64], percent: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((percent / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Milliseconds rounded to 0.1.
fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

impl Summary {
    /// Phones that failed, for whatever reason.
    pub fn failed(&self) -> usize {
        self.failed_by_reason.values().sum()
    }

    /// Whether nothing failed: no phone, no registration, no re-fetch.
    pub fn succeeded(&self) -> bool {
        self.failed() == 0 && self.later.register_failed_by_reason.is_empty() && self.later.refetch_failed == 0
    }

    /// The summary as one JSON object.
    pub fn to_json(&self) -> Value {
        let stat = |values: &[f64], percent| percentile(values, percent).map(round);
        json!({
            "phones": self.phones,
            "until": self.until.name(),
            "provisioned": self.provisioned,
            "notified": self.notified,
            "answered": self.answered,
            "unreachable": self.unreachable,
            "failed": self.failed(),
            "failed_by_reason": self.failed_by_reason,
            "handshakes_per_s": round(self.handshakes_per_s),
            "answer_p50_ms": stat(&self.answer_ms, 50.0),
            "answer_p99_ms": stat(&self.answer_ms, 99.0),
            "notify_p50_ms": stat(&self.notify_ms, 50.0),
            "notify_p99_ms": stat(&self.notify_ms, 99.0),
            "p50_ms": stat(&self.file_ms, 50.0),
            "p99_ms": stat(&self.file_ms, 99.0),
            "elapsed_s": round(self.elapsed.as_secs_f64()),
            "sockets": self.sockets,
            "cpu_s": round(self.cpu_s),
            "datagrams": {
                "sent": self.datagrams.sent,
                "sent_dropped": self.datagrams.sent_dropped,
                "received": self.datagrams.received,
                "received_dropped": self.datagrams.received_dropped,
                "stray": self.datagrams.stray,
                "refused": self.datagrams.refused,
            },
            "resyncs": {
                "done": self.later.resyncs_done,
                "refused": self.later.resyncs_refused,
                "reboots": self.later.reboots,
                "refetched": self.later.refetched,
                "refetch_failed": self.later.refetch_failed,
            },
            "registered": self.later.registered,
            "register_failed_by_reason": self.later.register_failed_by_reason,
            "examples": self.examples,
        })
    }

    /// The summary for people.
    pub fn to_text(&self) -> String {
        let stat = |values: &[f64], percent| match percentile(values, percent) {
            Some(value) => format!("{:.1} ms", value),
            None => "-".to_owned(),
        };
        let mut text = String::new();
        let _ = writeln!(text, "phones             {}", self.phones);
        let _ = writeln!(text, "run until          {}", self.until.name());
        let _ = writeln!(text, "provisioned        {}", self.provisioned);
        if self.until != Until::File {
            let _ = writeln!(text, "notified           {}", self.notified);
            let _ = writeln!(text, "answered           {}", self.answered);
        }
        let _ = writeln!(text, "unreachable        {}", self.unreachable);
        let _ = writeln!(text, "failed             {}", self.failed());
        for (reason, count) in &self.failed_by_reason {
            let _ = writeln!(text, "  {reason:<16} {count}");
        }
        let _ = writeln!(text, "handshakes/s       {:.1}", self.handshakes_per_s);
        let _ = writeln!(
            text,
            "SUBSCRIBE->answer  p50 {}, p99 {}",
            stat(&self.answer_ms, 50.0),
            stat(&self.answer_ms, 99.0)
        );
        let _ = writeln!(
            text,
            "SUBSCRIBE->NOTIFY  p50 {}, p99 {}",
            stat(&self.notify_ms, 50.0),
            stat(&self.notify_ms, 99.0)
        );
        let _ =
            writeln!(text, "SUBSCRIBE->file    p50 {}, p99 {}", stat(&self.file_ms, 50.0), stat(&self.file_ms, 99.0));
        let d = &self.datagrams;
        let _ = writeln!(
            text,
            "datagrams          sent {} (dropped {}, refused {}), received {} (dropped {}), stray {}",
            d.sent, d.sent_dropped, d.refused, d.received, d.received_dropped, d.stray
        );
        let later = &self.later;
        let _ = writeln!(
            text,
            "resyncs            done {}, refused {}, reboots {}, refetched {} (failed {})",
            later.resyncs_done, later.resyncs_refused, later.reboots, later.refetched, later.refetch_failed
        );
        let register_failed: usize = later.register_failed_by_reason.values().sum();
        let _ = writeln!(text, "registered         {} (failed {register_failed})", later.registered);
        for (reason, count) in &later.register_failed_by_reason {
            let _ = writeln!(text, "  {reason:<16} {count}");
        }
        let _ = writeln!(text, "sockets            {}", self.sockets);
        let _ = writeln!(text, "simulator CPU      {:.2} s", self.cpu_s);
        let _ = writeln!(text, "elapsed            {:.1} s", self.elapsed.as_secs_f64());
        for example in &self.examples {
            let _ = writeln!(text, "example failure    {example}");
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(50.0));
        assert_eq!(percentile(&values, 99.0), Some(99.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn json_has_the_documented_fields() {
        let mut summary = Summary { phones: 3, provisioned: 1, unreachable: 1, ..Summary::default() };
        summary.failed_by_reason.insert("http_404".into(), 1);
        summary.file_ms = vec![10.0, 20.0];
        let json = summary.to_json();
        for field in ["phones", "provisioned", "unreachable", "failed", "handshakes_per_s", "p50_ms", "p99_ms"] {
            assert!(json.get(field).is_some(), "{field}");
        }
        assert_eq!((json["failed"].as_u64(), json["p50_ms"].as_f64()), (Some(1), Some(10.0)));
        assert!(summary.to_text().contains("http_404"));
        assert!(!summary.succeeded());
    }

    #[test]
    fn resyncs_and_registrations_are_counted_in_text_and_json() {
        let mut summary = Summary { phones: 2, provisioned: 2, ..Summary::default() };
        summary.later =
            Later { resyncs_done: 3, resyncs_refused: 1, reboots: 1, refetched: 2, registered: 1, ..Later::default() };
        summary.later.register_failed_by_reason.insert("register_403".into(), 1);
        let json = summary.to_json();
        assert_eq!(json["resyncs"]["done"].as_u64(), Some(3));
        assert_eq!((json["resyncs"]["refused"].as_u64(), json["resyncs"]["reboots"].as_u64()), (Some(1), Some(1)));
        assert_eq!(
            (json["registered"].as_u64(), json["register_failed_by_reason"]["register_403"].as_u64()),
            (Some(1), Some(1))
        );
        let text = summary.to_text();
        assert!(text.contains("done 3, refused 1, reboots 1, refetched 2") && text.contains("register_403"), "{text}");
        assert!(!summary.succeeded(), "a failed registration fails the run");
    }
}
