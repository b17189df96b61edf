//! One owner of every transaction the engine keeps, the way quinn-proto keeps one owner
//! of its connection index: the SUBSCRIBEs a phone sent in one boot, the answer to them,
//! the NOTIFY that followed and the file waiting for the host, grouped as an
//! [`Exchange`], with the indexes that find an exchange by SUBSCRIBE key, by NOTIFY
//! branch, by ticket and by MAC. Only the methods here change an exchange's indexed
//! parts, so the indexes can never disagree with the exchanges.
//!
//! An exchange is one boot of one phone: the MAC, the address it sent from and the
//! Call-ID of its SUBSCRIBEs (a GRP retries with the same Call-ID; a reboot draws a new
//! one). So a second boot is served while an older exchange is still under way, and a
//! SUBSCRIBE that claims a phone's MAC from another address opens its own exchange
//! instead of cancelling or stalling the phone's.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::time::{Duration, Instant};

use crate::mac::Mac;

use super::wire::SubscribeFacts;

/// Identifies a SUBSCRIBE transaction across retransmissions: the RFC 3261 branch and
/// sent-by of the top Via, or (for pre-RFC 3261 phones without a magic-cookie branch)
/// Call-ID, CSeq and From tag; with the datagram's source either way.
pub type SubscribeKey = String;

/// Names an exchange for as long as it lives; never reused.
pub type ExchangeId = u64;

/// Exchanges kept per phone at most; opening one more forgets the phone's oldest. A
/// phone has one; the rest are reboots in quick succession or others claiming its MAC.
pub const EXCHANGES_PER_PHONE: usize = 4;

/// A SUBSCRIBE not answered yet, kept so that a later assignment or decision can answer
/// it in its own dialog.
#[derive(Debug, Clone)]
pub struct PendingSubscribe {
    /// Everything needed to answer it.
    pub facts: SubscribeFacts,
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
    /// What it is for; says how its answer is handled.
    pub purpose: NotifyPurpose,
    /// When it was first sent.
    pub started: Instant,
    /// The current retransmit interval (Timer E).
    pub interval: Duration,
    /// A provisional response arrived: retransmit at T2 from now on.
    pub proceeding: bool,
}

/// Why a NOTIFY was sent.
#[derive(Debug, Clone)]
pub enum NotifyPurpose {
    /// The ua-profile NOTIFY carrying the provisioning URL.
    Provision {
        /// The URL it carries.
        url: String,
        /// Sent inside the SUBSCRIBE's dialog.
        in_dialog: bool,
    },
    /// A check-sync NOTIFY outside any dialog (re-provisioning).
    Resync(Box<super::resync::ResyncState>),
}

/// What an exchange is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExchangeKind {
    /// A boot of the phone (its SUBSCRIBEs, or the host serving it after one).
    Boot,
    /// A re-provisioning the host asked for: one check-sync NOTIFY transaction.
    Resync,
}

/// A rendered file waiting for the host's decision.
#[derive(Debug, Clone)]
pub struct WaitingFile {
    /// The ticket the host decides with.
    pub ticket: u64,
    /// The URL the NOTIFY will carry.
    pub url: String,
    /// The token in it.
    pub token: String,
}

/// One boot of one phone: see the module's documentation.
#[derive(Debug)]
pub struct Exchange {
    id: ExchangeId,
    kind: ExchangeKind,
    mac: Mac,
    source: SocketAddrV4,
    local: SocketAddrV4,
    call_id: String,
    pending: Option<PendingSubscribe>,
    answered: Option<AnsweredSubscribe>,
    notify: Option<NotifyTransaction>,
    waiting: Option<WaitingFile>,
    /// When the phone last acknowledged a NOTIFY of this exchange.
    pub acknowledged_at: Option<Instant>,
    /// The last SUBSCRIBE or answer of this exchange: it expires a lifetime after.
    pub last_activity: Instant,
}

impl Exchange {
    /// Its name.
    pub fn id(&self) -> ExchangeId {
        self.id
    }

    /// The phone.
    pub fn mac(&self) -> Mac {
        self.mac
    }

    /// Our address in this exchange: Via and Contact of what we send, and its source.
    pub fn local(&self) -> SocketAddrV4 {
        self.local
    }

    /// Where the phone sent its SUBSCRIBEs from (or, for an exchange opened by the host,
    /// its last known address).
    pub fn source(&self) -> SocketAddrV4 {
        self.source
    }

    /// The SUBSCRIBE waiting for an answer, if any.
    pub fn pending(&self) -> Option<&PendingSubscribe> {
        self.pending.as_ref()
    }

    /// The answer sent, if any.
    pub fn answered(&self) -> Option<&AnsweredSubscribe> {
        self.answered.as_ref()
    }

    /// The NOTIFY under way, if any.
    pub fn notify(&self) -> Option<&NotifyTransaction> {
        self.notify.as_ref()
    }

    /// The NOTIFY under way, to update its timers (its branch stays as indexed).
    pub fn notify_mut(&mut self) -> Option<&mut NotifyTransaction> {
        self.notify.as_mut()
    }

    /// Whether a file of this exchange waits for the host.
    pub fn is_waiting_for_host(&self) -> bool {
        self.waiting.is_some()
    }

    /// Whether a NOTIFY or a decision is under way: such an exchange is not expired.
    pub fn in_flight(&self) -> bool {
        self.notify.is_some() || self.waiting.is_some()
    }
}

/// The exchanges of one phone, oldest first, kept inline: at most
/// [`EXCHANGES_PER_PHONE`], so a phone costs its index no allocation.
#[derive(Debug, Clone, Copy, Default)]
pub struct PhoneExchanges {
    ids: [ExchangeId; EXCHANGES_PER_PHONE],
    len: usize,
}

impl PhoneExchanges {
    /// Appends `id`; when full, the oldest makes room and is returned.
    fn push(&mut self, id: ExchangeId) -> Option<ExchangeId> {
        let oldest = (self.len == EXCHANGES_PER_PHONE).then(|| self.ids[0]);
        if oldest.is_some() {
            self.ids.rotate_left(1);
            self.len -= 1;
        }
        self.ids[self.len] = id;
        self.len += 1;
        oldest
    }

    /// Removes `id` if present, keeping the order of the rest.
    fn remove(&mut self, id: ExchangeId) {
        if let Some(at) = self.iter().position(|other| *other == id) {
            self.ids[at..self.len].rotate_left(1);
            self.len -= 1;
        }
    }
}

impl std::ops::Deref for PhoneExchanges {
    type Target = [ExchangeId];

    fn deref(&self) -> &[ExchangeId] {
        &self.ids[..self.len]
    }
}

impl<'a> IntoIterator for &'a PhoneExchanges {
    type Item = &'a ExchangeId;
    type IntoIter = std::slice::Iter<'a, ExchangeId>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Every exchange, and the indexes that find them.
#[derive(Debug, Default)]
pub struct Transactions {
    /// Boxed: a map keeps its capacity after removals, so its entries stay small.
    exchanges: HashMap<ExchangeId, Box<Exchange>>,
    by_key: HashMap<SubscribeKey, ExchangeId>,
    by_branch: HashMap<String, ExchangeId>,
    by_ticket: HashMap<u64, ExchangeId>,
    by_mac: HashMap<Mac, PhoneExchanges>,
    next_id: ExchangeId,
}

/// What [`Transactions::expire`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Expiry {
    /// Gone (or was already).
    Removed,
    /// Still in use: look again then.
    CheckAgainAt(Instant),
}

impl Transactions {
    /// How many exchanges are kept.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.exchanges.len()
    }

    /// The exchange, if it still exists.
    pub fn get(&self, id: ExchangeId) -> Option<&Exchange> {
        self.exchanges.get(&id).map(|e| &**e)
    }

    /// The exchange, for changing its unindexed parts.
    pub fn get_mut(&mut self, id: ExchangeId) -> Option<&mut Exchange> {
        self.exchanges.get_mut(&id).map(|e| &mut **e)
    }

    /// The exchange whose SUBSCRIBE transaction has `key`.
    pub fn by_key(&self, key: &str) -> Option<&Exchange> {
        self.by_key.get(key).and_then(|id| self.get(*id))
    }

    /// The exchange whose NOTIFY has `branch`.
    pub fn by_branch(&self, branch: &str) -> Option<ExchangeId> {
        self.by_branch.get(branch).copied()
    }

    /// The exchange of `mac`'s boot that sent from `source` with `call_id`.
    pub fn find_boot(&self, mac: Mac, source: SocketAddrV4, call_id: &str) -> Option<ExchangeId> {
        self.of_phone(mac)
            .find(|e| e.kind == ExchangeKind::Boot && e.source == source && e.call_id == call_id)
            .map(Exchange::id)
    }

    /// The phone's most recently opened boot.
    pub fn newest_of(&self, mac: Mac) -> Option<&Exchange> {
        let ids = self.by_mac.get(&mac)?;
        ids.iter().rev().filter_map(|id| self.get(*id)).find(|e| e.kind == ExchangeKind::Boot)
    }

    /// Every exchange of the phone, oldest first.
    pub fn of_phone(&self, mac: Mac) -> impl Iterator<Item = &Exchange> {
        self.by_mac.get(&mac).into_iter().flatten().filter_map(|id| self.exchanges.get(id).map(|e| &**e))
    }

    /// Opens an exchange of `kind` with `mac` at `source`, through our address `local`.
    /// When the phone already has [`EXCHANGES_PER_PHONE`], its oldest is forgotten and
    /// returned (its timers find nothing when they fire).
    pub fn open(
        &mut self,
        kind: ExchangeKind,
        mac: Mac,
        (source, local): (SocketAddrV4, SocketAddrV4),
        call_id: &str,
        now: Instant,
    ) -> (ExchangeId, Option<Box<Exchange>>) {
        self.next_id += 1;
        let id = self.next_id;
        let oldest = self.by_mac.entry(mac).or_default().push(id);
        let evicted = oldest.and_then(|old| self.remove(old));
        self.exchanges.insert(
            id,
            Box::new(Exchange {
                id,
                kind,
                mac,
                source,
                local,
                call_id: call_id.to_owned(),
                pending: None,
                answered: None,
                notify: None,
                waiting: None,
                acknowledged_at: None,
                last_activity: now,
            }),
        );
        (id, evicted)
    }

    /// Keeps `pending` as the exchange's SUBSCRIBE waiting for an answer, replacing an
    /// older one.
    pub fn hold(&mut self, id: ExchangeId, pending: PendingSubscribe) {
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        exchange.last_activity = exchange.last_activity.max(pending.received);
        if let Some(old) = exchange.pending.take() {
            if old.facts.key != pending.facts.key {
                self.by_key.remove(&old.facts.key);
            }
        }
        self.by_key.insert(pending.facts.key.clone(), id);
        exchange.pending = Some(pending);
    }

    /// Takes the exchange's pending SUBSCRIBE to answer it; its key stays indexed until
    /// [`Transactions::answer`] or [`Transactions::unhold`].
    pub fn take_pending(&mut self, id: ExchangeId) -> Option<PendingSubscribe> {
        self.exchanges.get_mut(&id)?.pending.take()
    }

    /// Forgets the exchange's pending SUBSCRIBE (or one taken from it and not answered).
    pub fn unhold(&mut self, id: ExchangeId, pending: Option<PendingSubscribe>) {
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        for pending in pending.into_iter().chain(exchange.pending.take()) {
            if exchange.answered.as_ref().is_none_or(|a| a.key != pending.facts.key) {
                self.by_key.remove(&pending.facts.key);
            }
        }
    }

    /// Records the answer sent to the exchange's SUBSCRIBE, for its retransmissions.
    pub fn answer(&mut self, id: ExchangeId, answered: AnsweredSubscribe) {
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        exchange.last_activity = exchange.last_activity.max(answered.sent);
        self.by_key.insert(answered.key.clone(), id);
        if let Some(old) = exchange.answered.replace(answered) {
            if exchange.answered.as_ref().is_some_and(|new| new.key != old.key) {
                self.by_key.remove(&old.key);
            }
        }
    }

    /// Forgets a SUBSCRIBE key that outlived its transaction.
    pub fn drop_key(&mut self, key: &str) {
        let Some(id) = self.by_key.remove(key) else { return };
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        if exchange.answered.as_ref().is_some_and(|a| a.key == key) {
            exchange.answered = None;
        }
        if exchange.pending.as_ref().is_some_and(|p| p.facts.key == key) {
            exchange.pending = None;
        }
    }

    /// Starts the exchange's NOTIFY transaction; one still under way is replaced (and
    /// returned, unreported).
    pub fn start_notify(&mut self, id: ExchangeId, notify: NotifyTransaction) -> Option<NotifyTransaction> {
        let exchange = self.exchanges.get_mut(&id)?;
        self.by_branch.insert(notify.branch.clone(), id);
        let old = exchange.notify.replace(notify);
        if let Some(old) = &old {
            self.by_branch.remove(&old.branch);
        }
        old
    }

    /// Ends the exchange's NOTIFY transaction and returns it.
    pub fn finish_notify(&mut self, id: ExchangeId, now: Instant) -> Option<NotifyTransaction> {
        let exchange = self.exchanges.get_mut(&id)?;
        let notify = exchange.notify.take()?;
        exchange.last_activity = exchange.last_activity.max(now);
        self.by_branch.remove(&notify.branch);
        Some(notify)
    }

    /// Parks a rendered file of the exchange until the host decides on `file.ticket`.
    pub fn wait_for_host(&mut self, id: ExchangeId, file: WaitingFile) {
        let Some(exchange) = self.exchanges.get_mut(&id) else { return };
        self.by_ticket.insert(file.ticket, id);
        if let Some(old) = exchange.waiting.replace(file) {
            self.by_ticket.remove(&old.ticket);
        }
    }

    /// Takes the file waiting under `ticket`, with its exchange.
    pub fn take_waiting(&mut self, ticket: u64) -> Option<(ExchangeId, WaitingFile)> {
        let id = self.by_ticket.remove(&ticket)?;
        let file = self.exchanges.get_mut(&id)?.waiting.take()?;
        Some((id, file))
    }

    /// Removes the exchange if it has been idle for `lifetime` (and, once acknowledged,
    /// for `cooldown`) with nothing under way; otherwise says when to look again.
    pub fn expire(&mut self, id: ExchangeId, now: Instant, lifetime: Duration, cooldown: Duration) -> Expiry {
        let Some(exchange) = self.exchanges.get(&id) else { return Expiry::Removed };
        let keep = if exchange.acknowledged_at.is_some() { lifetime.max(cooldown) } else { lifetime };
        let until = exchange.last_activity + keep;
        if exchange.in_flight() || until > now {
            return Expiry::CheckAgainAt(until.max(now + Duration::from_millis(1)));
        }
        self.remove(id);
        Expiry::Removed
    }

    /// Removes every exchange of `mac` that [`Transactions::expire`] would remove now;
    /// those still under way get their own expiry when they end.
    pub fn expire_phone(&mut self, mac: Mac, now: Instant, lifetime: Duration, cooldown: Duration) {
        let ids = self.by_mac.get(&mac).copied().unwrap_or_default();
        for &id in ids.iter() {
            self.expire(id, now, lifetime, cooldown);
        }
    }

    /// Gives memory back after a wave of phones has gone: each index is shrunk once it
    /// holds less than a quarter of its capacity (amortised: it grew by as much).
    pub fn shrink(&mut self) {
        fn shrink<K: std::hash::Hash + Eq, V>(map: &mut HashMap<K, V>) {
            if map.len() * 4 < map.capacity() {
                map.shrink_to_fit();
            }
        }
        shrink(&mut self.exchanges);
        shrink(&mut self.by_key);
        shrink(&mut self.by_branch);
        shrink(&mut self.by_ticket);
        shrink(&mut self.by_mac);
    }

    /// Forgets every exchange of `mac`; how many there were.
    pub fn forget(&mut self, mac: Mac) -> usize {
        let ids = self.by_mac.remove(&mac).unwrap_or_default();
        for &id in ids.iter() {
            self.remove(id);
        }
        ids.len()
    }

    /// Removes one exchange and everything indexing it.
    fn remove(&mut self, id: ExchangeId) -> Option<Box<Exchange>> {
        let exchange = self.exchanges.remove(&id)?;
        if let Some(pending) = &exchange.pending {
            self.by_key.remove(&pending.facts.key);
        }
        if let Some(answered) = &exchange.answered {
            self.by_key.remove(&answered.key);
        }
        if let Some(notify) = &exchange.notify {
            self.by_branch.remove(&notify.branch);
        }
        if let Some(waiting) = &exchange.waiting {
            self.by_ticket.remove(&waiting.ticket);
        }
        if let Some(ids) = self.by_mac.get_mut(&exchange.mac) {
            ids.remove(id);
            if ids.is_empty() {
                self.by_mac.remove(&exchange.mac);
            }
        }
        Some(exchange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn mac(n: u8) -> Mac {
        format!("000b82f552{n:02x}").parse().unwrap()
    }

    const PHONE: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 175), 5080);

    fn pending(key: &str, at: Instant) -> PendingSubscribe {
        PendingSubscribe {
            facts: SubscribeFacts {
                key: key.into(),
                vias: vec![],
                from: String::new(),
                to: String::new(),
                to_uri: String::new(),
                to_tag: None,
                call_id: "c".into(),
                cseq: "1 SUBSCRIBE".into(),
            },
            local_tag: "t".into(),
            received: at,
        }
    }

    #[test]
    fn a_phone_keeps_at_most_four_exchanges_and_loses_its_oldest_with_its_keys() {
        let now = Instant::now();
        let mut transactions = Transactions::default();
        let (first, _) = transactions.open(ExchangeKind::Boot, mac(1), (PHONE, PHONE), "boot-0", now);
        transactions.hold(first, pending("k0", now));
        for boot in 1..EXCHANGES_PER_PHONE {
            transactions.open(ExchangeKind::Boot, mac(1), (PHONE, PHONE), &format!("boot-{boot}"), now);
        }
        let (_, evicted) = transactions.open(ExchangeKind::Boot, mac(1), (PHONE, PHONE), "boot-new", now);
        assert_eq!(evicted.map(|e| e.id()), Some(first));
        assert!(transactions.by_key("k0").is_none(), "its key went with it");
        assert_eq!(transactions.of_phone(mac(1)).count(), EXCHANGES_PER_PHONE);
        assert_eq!(transactions.find_boot(mac(1), PHONE, "boot-0"), None);
        assert!(transactions.find_boot(mac(1), PHONE, "boot-new").is_some());
    }

    #[test]
    fn a_phones_list_keeps_its_order_drops_its_oldest_when_full_and_removes_from_the_middle() {
        let mut ids = PhoneExchanges::default();
        assert_eq!((1..=4).map(|id| ids.push(id)).collect::<Vec<_>>(), [None, None, None, None]);
        assert_eq!(ids.push(5), Some(1));
        assert_eq!(&*ids, &[2, 3, 4, 5]);
        ids.remove(3);
        ids.remove(42);
        assert_eq!(&*ids, &[2, 4, 5]);
        assert_eq!(ids.push(6), None);
        assert_eq!(&*ids, &[2, 4, 5, 6]);
    }

    #[test]
    fn forget_removes_every_exchange_and_index_of_a_phone_only() {
        let now = Instant::now();
        let mut transactions = Transactions::default();
        let (a, _) = transactions.open(ExchangeKind::Boot, mac(1), (PHONE, PHONE), "a", now);
        let (b, _) = transactions.open(ExchangeKind::Boot, mac(2), (PHONE, PHONE), "b", now);
        transactions.hold(a, pending("ka", now));
        transactions.hold(b, pending("kb", now));
        transactions.wait_for_host(a, WaitingFile { ticket: 7, url: String::new(), token: String::new() });
        assert_eq!(transactions.forget(mac(1)), 1);
        assert!(transactions.by_key("ka").is_none());
        assert!(transactions.take_waiting(7).is_none());
        assert!(transactions.by_key("kb").is_some());
        assert_eq!(transactions.len(), 1);
    }

    #[test]
    fn an_exchange_expires_only_when_idle_and_nothing_is_under_way() {
        let now = Instant::now();
        let lifetime = Duration::from_secs(32);
        let mut transactions = Transactions::default();
        let (id, _) = transactions.open(ExchangeKind::Boot, mac(1), (PHONE, PHONE), "a", now);
        transactions.wait_for_host(id, WaitingFile { ticket: 1, url: String::new(), token: String::new() });
        let later = now + Duration::from_secs(40);
        assert!(matches!(transactions.expire(id, later, lifetime, lifetime), Expiry::CheckAgainAt(_)));
        transactions.take_waiting(1);
        assert_eq!(transactions.expire(id, later, lifetime, lifetime), Expiry::Removed);
        assert!(transactions.get(id).is_none());
    }
}
