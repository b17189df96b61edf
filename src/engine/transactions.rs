//! The SIP transactions the engine keeps: SUBSCRIBEs it received, NOTIFYs it sent.

use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use super::wire::SubscribeFacts;

/// Identifies a SUBSCRIBE transaction across retransmissions: the RFC 3261 branch and
/// sent-by of the top Via, or (for pre-RFC 3261 phones without a magic-cookie branch)
/// Call-ID, CSeq and From tag.
pub type SubscribeKey = String;

/// A SUBSCRIBE not answered yet, kept so that a later assignment or decision can answer
/// it in its own dialog.
#[derive(Debug, Clone)]
pub struct PendingSubscribe {
    /// Everything needed to answer it.
    pub facts: SubscribeFacts,
    /// The datagram's source: where the answer goes.
    pub source: SocketAddrV4,
    /// Our tag in the dialog (the To tag of the answer, the From tag of the NOTIFY).
    pub local_tag: String,
    /// When it arrived: it is answerable for the transaction lifetime from then.
    pub received: Instant,
}

/// A SUBSCRIBE that was answered; its answer is sent again for each retransmission.
#[derive(Debug, Clone)]
pub struct AnsweredSubscribe {
    /// Its key.
    pub key: SubscribeKey,
    /// The answer, byte for byte.
    pub answer: Vec<u8>,
    /// When it was sent: retransmissions get it again for the transaction lifetime.
    pub sent: Instant,
}

/// A NOTIFY client transaction (RFC 3261 §17.1.2, non-INVITE).
#[derive(Debug, Clone)]
pub struct NotifyTransaction {
    /// The 64 random bits of its branch: its timers name it by them.
    pub id: u64,
    /// Our Via branch: responses are matched by it.
    pub branch: String,
    /// The phone's address.
    pub destination: SocketAddrV4,
    /// The request, byte for byte, for retransmissions.
    pub request: Vec<u8>,
    /// The URL it carries.
    pub url: String,
    /// Sent inside the SUBSCRIBE's dialog.
    pub in_dialog: bool,
    /// When it was first sent.
    pub started: Instant,
    /// The current retransmit interval (Timer E).
    pub interval: Duration,
    /// A provisional response arrived: retransmit at T2 from now on.
    pub proceeding: bool,
}
