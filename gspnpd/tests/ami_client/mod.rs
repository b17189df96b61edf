//! A minimal Asterisk Manager Interface client, as a web GUI over AMI uses it: one TCP
//! session, Login, actions matched to their Response by ActionID, and the events that
//! arrive in between kept in order until a test asks for them.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// One AMI message: its `Key: Value` lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message(Vec<(String, String)>);

impl Message {
    /// The value of the first `key` line (case-insensitive), or "" when there is none.
    pub fn get(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// Whether this is event `name` about phone `mac`.
    pub fn is_event(&self, name: &str, mac: &str) -> bool {
        self.get("Event") == name && self.get("MAC") == mac
    }
}

/// An AMI session. Events not asked for yet wait in `backlog`; `transcript` keeps every
/// message received, for assertions over all of them.
pub struct Ami {
    writer: TcpStream,
    incoming: Receiver<Message>,
    backlog: Vec<Message>,
    transcript: Vec<Message>,
    next_id: u32,
}

impl Ami {
    /// Reads the banner of a connected session and starts its reader thread, which
    /// ends when Asterisk closes the connection.
    pub fn new(stream: TcpStream) -> Ami {
        let mut reader = BufReader::new(stream.try_clone().expect("the AMI socket clones"));
        let mut banner = String::new();
        reader.read_line(&mut banner).expect("AMI's banner");
        assert!(banner.starts_with("Asterisk Call Manager/"), "not AMI: {banner:?}");
        let (sender, incoming) = channel();
        std::thread::spawn(move || {
            let mut fields = Vec::new();
            for line in reader.lines() {
                let Ok(line) = line else { break };
                let line = line.trim_end();
                if line.is_empty() {
                    if !fields.is_empty() && sender.send(Message(std::mem::take(&mut fields))).is_err() {
                        break;
                    }
                } else if let Some((key, value)) = line.split_once(':') {
                    fields.push((key.trim().to_string(), value.trim().to_string()));
                }
            }
        });
        Ami { writer: stream, incoming, backlog: Vec::new(), transcript: Vec::new(), next_id: 0 }
    }

    /// `Action: Login`; panics unless Asterisk accepts it.
    pub fn login(&mut self, user: &str, secret: &str) {
        let response = self.action("Login", &[("Username", user), ("Secret", secret)]);
        assert_eq!(response.get("Response"), "Success", "AMI login: {response:?}");
    }

    /// Sends action `name` with `headers` and returns its Response (waits up to 10 s).
    pub fn action(&mut self, name: &str, headers: &[(&str, &str)]) -> Message {
        self.next_id += 1;
        let id = format!("gui-{}", self.next_id);
        let mut text = format!("Action: {name}\r\nActionID: {id}\r\n");
        for (key, value) in headers {
            text.push_str(&format!("{key}: {value}\r\n"));
        }
        text.push_str("\r\n");
        self.writer.write_all(text.as_bytes()).expect("AMI takes the action");
        self.wait(10, |message| !message.get("Response").is_empty() && message.get("ActionID") == id)
            .unwrap_or_else(|| panic!("no Response to {name} within 10 s"))
    }

    /// A list action (GspnpShowPhones, GspnpShowPhone): its item events, checked against
    /// the ListItems count of the event that ends the list (`complete`).
    pub fn list(&mut self, name: &str, headers: &[(&str, &str)], complete: &str) -> Vec<Message> {
        let response = self.action(name, headers);
        assert_eq!((response.get("Response"), response.get("EventList")), ("Success", "start"), "{response:?}");
        let id = response.get("ActionID").to_string();
        let mut items = Vec::new();
        loop {
            let event = self
                .wait(10, |message| message.get("ActionID") == id && !message.get("Event").is_empty())
                .unwrap_or_else(|| panic!("{name}: no {complete} within 10 s"));
            if event.get("Event") == complete {
                assert_eq!(event.get("ListItems"), items.len().to_string(), "{name}: ListItems of {event:?}");
                return items;
            }
            items.push(event);
        }
    }

    /// The first message, waiting or already received and not yet taken, for which
    /// `wanted` holds; it and nothing else is taken. None after `seconds`.
    pub fn wait(&mut self, seconds: u64, wanted: impl Fn(&Message) -> bool) -> Option<Message> {
        if let Some(index) = self.backlog.iter().position(&wanted) {
            return Some(self.backlog.remove(index));
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.incoming.recv_timeout(left) {
                Ok(message) => {
                    self.transcript.push(message.clone());
                    if wanted(&message) {
                        return Some(message);
                    }
                    self.backlog.push(message);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Event `name` about phone `mac` (see [`Ami::wait`]); panics after `seconds`.
    pub fn event(&mut self, seconds: u64, name: &str, mac: &str) -> Message {
        self.wait(seconds, |message| message.is_event(name, mac))
            .unwrap_or_else(|| panic!("no {name} for {mac} within {seconds} s; not taken yet: {:#?}", self.backlog))
    }

    /// Drops every event received and not taken: what comes next is newer than now.
    pub fn skip_backlog(&mut self) {
        while let Ok(message) = self.incoming.try_recv() {
            self.transcript.push(message);
        }
        self.backlog.clear();
    }

    /// Every message received so far.
    pub fn transcript(&self) -> &[Message] {
        &self.transcript
    }
}
