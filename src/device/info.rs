//! What a ua-profile SUBSCRIBE says about the phone that sent it.

use std::net::SocketAddrV4;

use crate::mac::Mac;

/// A phone as its ua-profile SUBSCRIBE describes it. Owned, so it outlives the
/// datagram. Every string came from the phone and has been through
/// [`sanitize`](super::sanitize()): at most 128 bytes, no control or invisible
/// characters. A string is empty when the phone did not say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// The MAC address from the Request-URI, From or To user part.
    pub mac: Mac,
    /// Event `vendor` (or Panasonic's `vender`), else the User-Agent's first word.
    pub vendor: String,
    /// Event `model`, else the User-Agent's second word.
    pub model: String,
    /// Event `version`, else the User-Agent's third word.
    pub firmware: String,
    /// Event `profile-type` (`device`, `application`, ...).
    pub profile_type: String,
    /// The User-Agent header.
    pub user_agent: String,
    /// The Contact URI (without brackets), or the raw Contact value when it does not parse.
    pub contact: String,
    /// Where the datagram came from: the only address replies may go to.
    pub source: SocketAddrV4,
}
