//! `gspnpd simulate`: virtual GRP26xx phones booting against a PnP server, with
//! injected datagram loss, and what they found.
//!
//! One thread runs every phone's SIP side over poll(2) ([`phone`] is the state
//! machine, [`sip`] the wire format), with datagrams moved a batch per system call
//! ([`outbox`], recvmmsg) and wake-ups in gspnp's timer heap; a small pool downloads
//! and checks the files ([`fetch`], [`verify`]); [`summary`] counts. With `--stay`
//! provisioned phones then challenge resync NOTIFYs ([`notify_auth`], [`digest`]); with
//! `--register` they register with their file's account ([`register`]). Everything
//! stops at `--timeout`.

mod account;
pub(crate) mod client_tls;
mod digest;
mod fetch;
mod loss;
mod notify_auth;
pub mod options;
mod outbox;
mod phone;
mod register;
mod sip;
mod sockets;
mod summary;
mod verify;

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsFd;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use gspnp::Mac;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

pub use summary::Summary;

use fetch::Downloader;
use gspnp::engine::TimerQueue;
use gspnp::runtime::batch::{ReceiveBatch, BATCH};
use loss::Rng;
use options::{nth_mac, Options, Until};
use outbox::Outbox;
use phone::{Action, Fetched, Outcome, Phone, Timing};
use sip::{Message, PhoneIdentity};

/// The longest the loop sleeps, so that finished downloads are seen soon.
const TURN: Duration = Duration::from_millis(10);
/// Receive calls (of up to [`BATCH`] datagrams) on one socket per turn at most.
const RECEIVES_PER_TURN: usize = 8;
/// The longest datagram a phone takes whole.
const RECEIVE_SLOT: usize = 8 * 1024;
/// Failures described in the summary at most.
const EXAMPLES: usize = 10;

/// A download for the pool.
struct FetchJob {
    phone: usize,
    url: String,
    mac: Mac,
    user_agent: String,
    /// Resolve the file's registrar too.
    registrar: bool,
}

/// A finished download: checked, or a reason and a detail.
struct FetchDone {
    phone: usize,
    at: Instant,
    result: Result<Fetched, (String, String)>,
}

/// Runs the simulation and writes its summary to `out`.
pub fn run(options: &Options, out: &mut impl Write) -> Result<Summary, String> {
    let opened = sockets::open(options)?;
    let tls = client_tls::client_config(options.ca.as_deref(), options.insecure)?;
    let downloader = Arc::new(Downloader { tls, credentials: options.http_auth.clone() });
    let (jobs, done) = start_fetchers(options.fetchers.min(options.phones), &downloader)?;
    let timing = Timing {
        interval: options.interval,
        attempts: options.attempts,
        notify_wait: options.notify_wait,
        loss: options.loss,
        until: options.until,
        stay: options.stay,
        register: options.register,
        auth: (options.auth_algorithm, options.auth_qop),
    };
    let start = Instant::now();
    let mut simulation = Simulation::new(options, opened, timing, start)?;
    simulation.run_until(start + options.timeout, &jobs, &done);
    drop(jobs);
    let mut summary = simulation.summary(start.elapsed());
    summary.cpu_s = own_cpu_seconds();
    let text = if options.json { format!("{}\n", summary.to_json()) } else { summary.to_text() };
    out.write_all(text.as_bytes()).map_err(|error| format!("cannot write: {error}"))?;
    Ok(summary)
}

/// Starts `count` download threads; they end when the job channel closes.
fn start_fetchers(
    count: usize,
    downloader: &Arc<Downloader>,
) -> Result<(Sender<FetchJob>, Receiver<FetchDone>), String> {
    let (jobs, queue) = channel::<FetchJob>();
    let queue = Arc::new(Mutex::new(queue));
    let (done_sender, done) = channel();
    for index in 0..count.max(1) {
        let (queue, done_sender, downloader) = (queue.clone(), done_sender.clone(), downloader.clone());
        std::thread::Builder::new()
            .name(format!("fetch-{index}"))
            .spawn(move || loop {
                let job = queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).recv();
                let Ok(job) = job else { return };
                let result = download_and_check(&downloader, &job);
                if done_sender.send(FetchDone { phone: job.phone, at: Instant::now(), result }).is_err() {
                    return;
                }
            })
            .map_err(|error| format!("cannot start a download thread: {error}"))?;
    }
    Ok((jobs, done))
}

fn download_and_check(downloader: &Downloader, job: &FetchJob) -> Result<Fetched, (String, String)> {
    let bytes = downloader
        .config_file(&job.url, &job.mac.to_string(), &job.user_agent)
        .map_err(|reason| (reason.clone(), format!("download failed: {reason}")))?;
    let account = verify::check_file(&bytes, job.mac, &job.url).map_err(|detail| ("bad_file".to_owned(), detail))?;
    let registrar = job.registrar.then(|| register::registrar_address(&account));
    Ok(Fetched { account, registrar })
}

/// CPU seconds this process used so far (all threads, user and system).
fn own_cpu_seconds() -> f64 {
    use nix::sys::resource::{getrusage, UsageWho};
    getrusage(UsageWho::RUSAGE_SELF).map_or(0.0, |usage| {
        let seconds = |time: nix::sys::time::TimeVal| time.tv_sec() as f64 + time.tv_usec() as f64 / 1e6;
        seconds(usage.user_time()) + seconds(usage.system_time())
    })
}

/// A number that differs between runs, so that Call-IDs and branches never repeat a
/// previous run's (a server may still remember those transactions).
fn run_nonce() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |time| time.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// The phones, their sockets, and how to find the phone a datagram is for.
struct Simulation {
    phones: Vec<Phone>,
    sockets: Vec<UdpSocket>,
    by_call_id: HashMap<String, usize>,
    by_mac: HashMap<Mac, usize>,
    /// For each socket, its phone when it has exactly one.
    owners: Vec<Option<usize>>,
    timing: Timing,
    /// When phones want a turn; an entry may be stale (the phone is asked again).
    schedule: TimerQueue<usize>,
    outbox: Outbox,
    /// `--window`, and the next phone it boots.
    window: usize,
    next_to_boot: usize,
    /// Phones that are done ([`Phone::settled`]).
    settled: usize,
    /// Downloads resolve the registrar (`--register`).
    register: bool,
    stray: u64,
    refused_sends: u64,
    examples: Vec<String>,
}

impl Simulation {
    fn new(options: &Options, opened: sockets::Sockets, timing: Timing, boot: Instant) -> Result<Simulation, String> {
        let nonce = run_nonce();
        let socket_count = opened.sockets.len();
        let mut phones = Vec::with_capacity(options.phones);
        for index in 0..options.phones {
            let mac = nth_mac(options.mac_base, index).ok_or("--mac-base: MACs run out")?;
            let socket = index % socket_count;
            let port = opened.sockets[socket].local_addr().map_err(|error| error.to_string())?.port();
            let identity = PhoneIdentity {
                mac,
                model: options.model.clone(),
                firmware: options.firmware.clone(),
                local: SocketAddrV4::new(opened.local_ip, port),
                call_id: format!("{nonce:016x}-{index}@gspnpd-simulate"),
                tag: format!("{:x}", nonce.rotate_left(17) ^ index as u64),
                branch: format!("z9hG4bK{nonce:x}-{index}"),
            };
            let rng = Rng::for_phone(options.seed, index);
            let secrets = Rng::for_phone(nonce, index);
            let offset = options.ramp.mul_f64(index as f64 / options.phones as f64);
            // With a window, phones boot as others end (see Simulation::end).
            let boot_at = (options.window == 0).then_some(boot + offset);
            phones.push(Phone::new(identity, socket, options.target, rng, secrets, boot_at));
        }
        let mut owners = vec![None; socket_count];
        for (index, phone) in phones.iter().enumerate() {
            owners[phone.socket] = if index < socket_count { Some(index) } else { None };
        }
        let mut simulation = Simulation {
            by_call_id: phones.iter().enumerate().map(|(i, p)| (p.identity.call_id.clone(), i)).collect(),
            by_mac: phones.iter().enumerate().map(|(i, p)| (p.identity.mac, i)).collect(),
            outbox: Outbox::new(socket_count),
            phones,
            sockets: opened.sockets,
            owners,
            timing,
            schedule: TimerQueue::default(),
            window: options.window,
            next_to_boot: 0,
            settled: 0,
            register: options.register,
            stray: 0,
            refused_sends: 0,
            examples: Vec::new(),
        };
        for index in 0..simulation.phones.len() {
            simulation.wake(index);
        }
        for _ in 0..simulation.window {
            simulation.boot_next(boot);
        }
        Ok(simulation)
    }

    /// Runs until every phone has ended or `deadline`; phones still going then give up.
    fn run_until(&mut self, deadline: Instant, jobs: &Sender<FetchJob>, done: &Receiver<FetchDone>) {
        let mut receive = ReceiveBatch::new(RECEIVE_SLOT, false);
        let mut actions = Vec::new();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            while let Some(index) = self.schedule.pop_due(now) {
                if self.phones[index].wake_at().is_some_and(|due| due <= now) {
                    self.step(index, now, &mut actions, jobs, |phone, timing, actions| {
                        phone.on_timer(now, timing, actions)
                    });
                }
            }
            self.flush();
            while let Ok(finished) = done.try_recv() {
                self.finish_download(finished, jobs);
            }
            if self.settled == self.phones.len() {
                break;
            }
            let next = self.schedule.next_deadline().unwrap_or(now + TURN);
            let wait = next.saturating_duration_since(now).min(TURN).min(deadline.saturating_duration_since(now));
            for socket in self.readable(wait) {
                for _ in 0..RECEIVES_PER_TURN {
                    let Ok(count) = receive.receive(self.sockets[socket].as_fd()) else { break };
                    let now = Instant::now();
                    for (datagram, arrival) in receive.datagrams() {
                        self.deliver(socket, now, datagram, arrival.source, &mut actions, jobs);
                    }
                    if count < BATCH {
                        break;
                    }
                }
            }
            self.flush();
        }
        for index in 0..self.phones.len() {
            self.phones[index].give_up();
        }
        self.flush();
    }

    /// Lets phone `index` act, then does what it asked, notes whether its first boot
    /// ended and whether it is done, and schedules its next wake-up.
    fn step(
        &mut self,
        index: usize,
        now: Instant,
        actions: &mut Vec<Action>,
        jobs: &Sender<FetchJob>,
        act: impl FnOnce(&mut Phone, &Timing, &mut Vec<Action>),
    ) {
        let phone = &self.phones[index];
        let (was_running, was_settled) = (phone.outcome.is_none(), phone.settled());
        act(&mut self.phones[index], &self.timing, actions);
        self.perform(index, actions, jobs);
        let phone = &self.phones[index];
        let first_boot_ended = was_running && phone.outcome.is_some() && phone.boots() == 0;
        match (was_settled, phone.settled()) {
            (false, true) => self.settled += 1,
            (true, false) => self.settled -= 1,
            _ => {}
        }
        if first_boot_ended {
            self.end(now);
        }
        self.wake(index);
    }

    /// A phone's first boot ended: with a window, the next phone boots.
    fn end(&mut self, now: Instant) {
        if self.window > 0 {
            self.boot_next(now);
        }
    }

    fn boot_next(&mut self, now: Instant) {
        if let Some(phone) = self.phones.get_mut(self.next_to_boot) {
            phone.boot(now);
            self.wake(self.next_to_boot);
            self.next_to_boot += 1;
        }
    }

    /// Schedules phone `index` for its next wake-up, if it has one.
    fn wake(&mut self, index: usize) {
        if let Some(at) = self.phones[index].wake_at() {
            self.schedule.push(at, index);
        }
    }

    /// Sends what the phones queued.
    fn flush(&mut self) {
        self.refused_sends += self.outbox.flush(&self.sockets) as u64;
    }

    /// The sockets with datagrams waiting, after waiting at most `wait`.
    fn readable(&self, wait: Duration) -> Vec<usize> {
        let mut fds: Vec<PollFd<'_>> =
            self.sockets.iter().map(|socket| PollFd::new(socket.as_fd(), PollFlags::POLLIN)).collect();
        // Whole milliseconds, rounded up: a wait under 1 ms must not become a busy loop.
        let millis = wait.as_micros().div_ceil(1000);
        let timeout = PollTimeout::try_from(millis).unwrap_or(PollTimeout::MAX);
        if !matches!(poll(&mut fds, timeout), Ok(ready) if ready > 0) {
            return Vec::new();
        }
        fds.iter()
            .enumerate()
            .filter(|(_, fd)| fd.revents().is_some_and(|events| events.contains(PollFlags::POLLIN)))
            .map(|(index, _)| index)
            .collect()
    }

    /// Hands a datagram to its phone: by Call-ID, else by the MAC in To, else the
    /// socket's only phone.
    fn deliver(
        &mut self,
        socket: usize,
        now: Instant,
        datagram: &[u8],
        source: SocketAddrV4,
        actions: &mut Vec<Action>,
        jobs: &Sender<FetchJob>,
    ) {
        let Some(message) = Message::parse(datagram) else {
            self.stray += 1;
            return;
        };
        let index = message
            .call_id()
            .and_then(|call_id| self.by_call_id.get(call_id).copied())
            .or_else(|| message.mac_in_to().and_then(|mac| self.by_mac.get(&mac).copied()))
            .or(self.owners[socket]);
        let Some(index) = index else {
            self.stray += 1;
            return;
        };
        if self.phones[index].drops_incoming(&self.timing) {
            return;
        }
        self.step(index, now, actions, jobs, |phone, timing, actions| {
            phone.on_message(now, &message, source, timing, actions)
        });
    }

    /// Does what phone `index` asked for.
    fn perform(&mut self, index: usize, actions: &mut Vec<Action>, jobs: &Sender<FetchJob>) {
        let phone = &self.phones[index];
        for action in actions.drain(..) {
            match action {
                Action::Send(datagram, to) => self.outbox.queue(phone.socket, datagram, to),
                Action::Fetch(url) => {
                    let identity = &phone.identity;
                    let user_agent = format!(
                        "Grandstream Model HW {} SW {} DevId {}",
                        identity.model, identity.firmware, identity.mac
                    );
                    let job = FetchJob { phone: index, url, mac: identity.mac, user_agent, registrar: self.register };
                    let _ = jobs.send(job);
                }
                Action::Listen(call_id) => {
                    self.by_call_id.insert(call_id, index);
                }
            }
        }
    }

    fn finish_download(&mut self, finished: FetchDone, jobs: &Sender<FetchJob>) {
        let result = finished.result.map_err(|(reason, detail)| {
            if self.examples.len() < EXAMPLES {
                self.examples.push(format!("{}: {detail}", self.phones[finished.phone].identity.mac));
            }
            reason
        });
        let mut actions = Vec::new();
        self.step(finished.phone, finished.at, &mut actions, jobs, |phone, timing, actions| {
            phone.on_fetched(finished.at, result, timing, actions)
        });
    }

    fn summary(&self, elapsed: Duration) -> Summary {
        let mut summary =
            Summary { phones: self.phones.len(), elapsed, sockets: self.sockets.len(), ..Summary::default() };
        let millis = |from: Option<Instant>, to: Option<Instant>| {
            Some(to?.saturating_duration_since(from?).as_secs_f64() * 1000.0)
        };
        for phone in &self.phones {
            match &phone.outcome {
                Some(Outcome::Provisioned) => summary.provisioned += 1,
                Some(Outcome::Notified) => summary.notified += 1,
                Some(Outcome::Answered) => summary.answered += 1,
                Some(Outcome::Unreachable) => summary.unreachable += 1,
                Some(Outcome::Failed(reason)) => *summary.failed_by_reason.entry(reason.clone()).or_default() += 1,
                None => *summary.failed_by_reason.entry("unfinished".to_owned()).or_default() += 1,
            }
            summary.answer_ms.extend(millis(phone.first_sent, phone.answered_at));
            summary.notify_ms.extend(millis(phone.first_sent, phone.notified_at));
            summary.file_ms.extend(millis(phone.first_sent, phone.provisioned_at));
            count_later(&mut summary.later, &phone.later);
            let d = &mut summary.datagrams;
            d.sent += phone.sent_datagrams.0;
            d.sent_dropped += phone.sent_datagrams.1;
            d.received += phone.received_datagrams.0;
            d.received_dropped += phone.received_datagrams.1;
        }
        summary.datagrams.stray = self.stray;
        summary.datagrams.refused = self.refused_sends;
        // A handshake ends with the answer (answer-only) or with the NOTIFY.
        let ended = |phone: &Phone| match self.timing.until {
            Until::Answer => phone.answered_at,
            Until::Notify | Until::File => phone.notified_at,
        };
        let first = self.phones.iter().filter_map(|phone| phone.first_sent).min();
        let last = self.phones.iter().filter_map(ended).max();
        if let (Some(first), Some(last)) = (first, last) {
            let seconds = last.saturating_duration_since(first).as_secs_f64().max(0.001);
            summary.handshakes_per_s = self.phones.iter().filter_map(ended).count() as f64 / seconds;
        }
        summary.until = self.timing.until;
        summary.examples = self.examples.clone();
        summary
    }
}

/// Adds what one phone did after provisioning to the run's counts.
fn count_later(counts: &mut summary::Later, phone: &phone::Later) {
    counts.resyncs_done += u64::from(phone.resyncs_done);
    counts.resyncs_refused += u64::from(phone.resyncs_refused);
    counts.reboots += u64::from(phone.reboots);
    counts.refetched += u64::from(phone.refetched);
    counts.refetch_failed += u64::from(phone.refetch_failed);
    match &phone.registered {
        Some(Ok(())) => counts.registered += 1,
        Some(Err(reason)) => *counts.register_failed_by_reason.entry(reason.clone()).or_default() += 1,
        None => {}
    }
}
