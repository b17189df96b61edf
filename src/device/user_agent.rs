//! Reading vendor, model and firmware from a User-Agent such as
//! `Grandstream GRP2614 1.0.0.31`, for phones whose Event omits them.

/// The words of a `Vendor Model Firmware` User-Agent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ProductWords<'a> {
    pub(crate) vendor: Option<&'a str>,
    pub(crate) model: Option<&'a str>,
    pub(crate) firmware: Option<&'a str>,
}

impl<'a> ProductWords<'a> {
    /// The first three words of `user_agent`. A User-Agent of fewer than two
    /// words (`snom320/7.1.19`) is not in this form and yields nothing.
    pub(crate) fn from_user_agent(user_agent: &'a str) -> ProductWords<'a> {
        let mut words = user_agent.split_whitespace();
        match (words.next(), words.next()) {
            (Some(vendor), Some(model)) => {
                ProductWords { vendor: Some(vendor), model: Some(model), firmware: words.next() }
            }
            _ => ProductWords::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_model_and_firmware_are_the_first_three_words() {
        let words = ProductWords::from_user_agent("Grandstream GRP2614 1.0.0.31");
        assert_eq!(
            words,
            ProductWords { vendor: Some("Grandstream"), model: Some("GRP2614"), firmware: Some("1.0.0.31") }
        );
        let two = ProductWords::from_user_agent(" Yealink  W52P ");
        assert_eq!(two, ProductWords { vendor: Some("Yealink"), model: Some("W52P"), firmware: None });
    }

    #[test]
    fn a_single_product_token_is_not_guessed_at() {
        assert_eq!(ProductWords::from_user_agent("snom320/7.1.19"), ProductWords::default());
        assert_eq!(ProductWords::from_user_agent(""), ProductWords::default());
    }
}
