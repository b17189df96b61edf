//! Counters that say what happened to every datagram, and why one was not answered.

/// Monotonic counters since the engine was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams handed to the engine.
    pub datagrams: u64,
    /// Not a well-formed SIP message (dropped).
    pub malformed: u64,
    /// A request other than SUBSCRIBE (dropped, never answered).
    pub unexpected_method: u64,
    /// A SUBSCRIBE for another event package (dropped).
    pub not_ua_profile: u64,
    /// A ua-profile SUBSCRIBE with no MAC in it or missing a required header (dropped).
    pub undecodable: u64,
    /// Dropped because the mode is off.
    pub mode_off: u64,
    /// Refused by the allow/deny rules.
    pub denied: u64,
    /// Over the per-source rate limit.
    pub rate_limited: u64,
    /// Recorded but not answered: discover mode.
    pub discover_only: u64,
    /// Recorded but not answered: nothing assigned to the phone (yet).
    pub unserved: u64,
    /// A retransmitted SUBSCRIBE answered again from the stored answer.
    pub answers_repeated: u64,
    /// A retransmitted SUBSCRIBE absorbed while its answer waits for the host.
    pub retransmissions_absorbed: u64,
    /// SUBSCRIBEs answered.
    pub answers_sent: u64,
    /// Answered within the cooldown without a new NOTIFY.
    pub cooldown_answers: u64,
    /// NOTIFYs sent (first transmissions).
    pub notifies_sent: u64,
    /// NOTIFY retransmissions.
    pub notify_retransmissions: u64,
    /// NOTIFYs acknowledged with a 2xx.
    pub notifies_acknowledged: u64,
    /// NOTIFYs answered with an error.
    pub notifies_rejected: u64,
    /// NOTIFYs that got no final answer.
    pub notifies_timed_out: u64,
    /// Responses that matched no NOTIFY, or came from the wrong address.
    pub stray_responses: u64,
    /// Files the host vetoed, or did not decide on in time.
    pub files_refused: u64,
    /// Profiles that could not be rendered for a phone.
    pub render_failures: u64,
    /// Phones forgotten to make room in the device table.
    pub devices_evicted: u64,
    /// SUBSCRIBEs of a new boot left unanswered while the host was behind (the phone
    /// retries); see [`super::Engine::set_admitting`].
    pub host_busy: u64,
    /// Exchanges forgotten because their phone had too many at once (reboots in quick
    /// succession, or others claiming its MAC).
    pub exchanges_evicted: u64,
}
