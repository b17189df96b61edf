//! Parses a rendered file back with quick-xml, as a phone would.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

/// What a file holds.
#[derive(Debug)]
pub(super) struct ReadBack {
    /// The `<mac>` text, if any.
    pub mac: Option<String>,
    /// The `version` attribute of `<config>`.
    pub config_version: String,
    /// Setting names (`P47` or the v2 item name) with their unescaped values, in order.
    pub settings: Vec<(String, String)>,
}

impl ReadBack {
    /// The value of setting `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.settings.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

fn attribute(start: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<String> {
    let attribute = start.try_get_attribute(name).ok()??;
    Some(attribute.normalized_value(XmlVersion::Explicit1_0).ok()?.into_owned())
}

/// Parses `bytes`, panicking on anything that is not a well-formed Grandstream file.
pub(super) fn read_back(bytes: &[u8]) -> ReadBack {
    let text = std::str::from_utf8(bytes).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"), "declaration");
    let mut reader = Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<(String, String)> = None;
    let mut read = ReadBack { mac: None, config_version: String::new(), settings: Vec::new() };
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                let name = start.name().as_ref().to_owned();
                match (path.len(), name.as_str()) {
                    (0, "gs_provision") => {
                        assert_eq!(attribute(&start, "version").as_deref(), Some("1"))
                    }
                    (1, "config") => read.config_version = attribute(&start, "version").unwrap(),
                    (1, "mac") => current = Some(("mac".into(), String::new())),
                    (2, "item") => current = Some((attribute(&start, "name").unwrap(), String::new())),
                    (2, _) => current = Some((name.clone(), String::new())),
                    other => panic!("unexpected element {other:?}"),
                }
                path.push(name);
            }
            Event::Text(text) => {
                if let Some((_, value)) = current.as_mut() {
                    value.push_str(&text.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                let (_, value) = current.as_mut().expect("references only inside values");
                match reference.resolve_char_ref().unwrap() {
                    Some(c) => value.push(c),
                    None => value.push_str(resolve_predefined_entity(&reference).expect("a predefined entity")),
                }
            }
            Event::End(_) => {
                path.pop();
                if let Some((name, value)) = current.take() {
                    match name.as_str() {
                        "mac" if path.len() == 1 => read.mac = Some(value),
                        _ => read.settings.push((name, value)),
                    }
                }
            }
            Event::Empty(empty) => panic!("empty element {:?}: values are always written as text", empty.name()),
            Event::Eof => break,
            Event::Decl(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(path.is_empty(), "unclosed elements {path:?}");
    read
}
