//! Field validators used by `full_clean()`, mirroring Django's
//! `EmailValidator` and `URLValidator` (Django 5.2 rules).
//!
//! Both validators are pure functions over `&str` that never panic, whatever
//! the input.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;

/// Longest email address accepted (RFC 3696 section 3, as Django).
const MAX_EMAIL_CHARS: usize = 320;

/// Longest URL accepted (Django's `MAX_URL_LENGTH`).
const MAX_URL_CHARS: usize = 2048;

/// Longest host name accepted inside a URL (RFC 1034 section 3.1, as Django).
const MAX_HOSTNAME_CHARS: usize = 253;

/// Longest IPv6 literal accepted (Django's `MAX_IPV6_ADDRESS_LENGTH`).
const MAX_IPV6_CHARS: usize = 39;

/// Longest domain label (RFC 1034 section 3.1).
const MAX_LABEL_CHARS: usize = 63;

/// Schemes accepted by [`is_valid_url`] (Django's `URLValidator.schemes`).
const URL_SCHEMES: [&str; 4] = ["http", "https", "ftp", "ftps"];

/// Domains accepted as-is after the `@` of an email (Django's
/// `EmailValidator.domain_allowlist`).
const EMAIL_DOMAIN_ALLOWLIST: [&str; 1] = ["localhost"];

/// Django's `EmailValidator`: true when `value` is a valid email address.
///
/// The value is split at its **last** `@` into a user part and a domain part.
///
/// * The user part is either a dot-atom — one or more runs of ASCII letters,
///   digits and ``!#$%&'*+-/=?^_`{|}~``, separated by single dots — or a
///   quoted string following Django's `user_regex`: ASCII between double
///   quotes, where `"`, `\`, space and tab must be backslash-escaped and NUL,
///   CR and LF are never allowed, not even escaped.
/// * The domain part is `localhost` (Django's allowlist, matched exactly), a
///   host name of at least two dot-separated labels (1–63 characters each,
///   made of letters, digits, hyphens and non-ASCII characters up to U+FFFF,
///   never starting or ending with a hyphen, no trailing dot) whose last
///   label is at least two letters/hyphens or an `xn--` punycode label, or an
///   address literal: `[1.2.3.4]`, `[2001:db8::1]` or `[IPv6:2001:db8::1]`
///   (the RFC 5321 `IPv6:` tag is an addition to Django's rules).
///
/// Rejected: the empty string, values longer than 320 characters, a missing
/// `@`, an empty user or domain part, and any whitespace or control
/// character outside a quoted user part (so a trailing newline is rejected).
pub fn is_valid_email(value: &str) -> bool {
    if value.is_empty() || value.chars().count() > MAX_EMAIL_CHARS {
        return false;
    }
    let Some((user_part, domain_part)) = value.rsplit_once('@') else {
        return false;
    };
    is_valid_email_user(user_part) && is_valid_email_domain(domain_part)
}

/// Django's `URLValidator` with its default schemes (`http`, `https`, `ftp`,
/// `ftps`): true when `value` is a valid absolute URL.
///
/// The value must read `scheme://[user[:password]@]host[:port][path]`, where
///
/// * the scheme is one of the four above, in any letter case;
/// * the optional user is non-empty, and neither user nor password contains
///   `:`, `@`, `/`, `?`, `#`, `[` or `]`;
/// * the host is `localhost`, a dotted-decimal IPv4 address without leading
///   zeros, a bracketed IPv6 address (`[::1]`), or a domain name of at least
///   two labels (same label rules as [`is_valid_email`], an optional trailing
///   dot is allowed) of at most 253 characters;
/// * the optional port is 1–5 digits and at most 65535;
/// * the path, query and fragment are anything without whitespace.
///
/// The URL must also parse with the `url` crate and yield a host (a host
/// name that passes the rules above but that the crate's IDNA processing
/// refuses, such as `xn--7sbb4ac0ad0be6cf.xn--p1ai`, is still accepted, as
/// Django does no IDNA check). Rejected: values longer than 2048 characters
/// and values containing any whitespace or control character.
///
/// Where it differs from Django, it is stricter, and only on malformed
/// input: ports above 65535, `?`, `#` or `\` inside the user info, control
/// characters in the path, and an over-long IPv6 literal after a user info.
pub fn is_valid_url(value: &str) -> bool {
    if value.chars().count() > MAX_URL_CHARS {
        return false;
    }
    if value.chars().any(is_space_or_control) {
        return false;
    }
    // Django: `value.split("://")[0].lower() in schemes`.
    let Some((scheme, rest)) = value.split_once("://") else {
        return false;
    };
    if !URL_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) {
        return false;
    }
    // The authority (netloc) runs up to the first '/', '?' or '#'.
    let authority_start = scheme.len() + "://".len();
    let authority_end = rest
        .find(['/', '?', '#'])
        .map_or(value.len(), |end| authority_start + end);
    let Some(host) = url_authority_host(&value[authority_start..authority_end]) else {
        return false;
    };
    let host = authority_start + host.start..authority_start + host.end;
    // Final word to a real URL parser: it checks the port range and parses
    // the user info, path, query and fragment.
    match url::Url::parse(value) {
        Ok(url) => URL_SCHEMES.contains(&url.scheme()) && url.host().is_some(),
        // Django applies no IDNA (UTS #46) processing: a host that passed its
        // rules but that IDNA refuses (`xn--7sbb4ac0ad0be6cf.xn--p1ai`, an
        // IDNA-invalid punycode label) is still valid for Django. Let `url`
        // check the rest of the URL around a neutral host instead.
        Err(url::ParseError::IdnaError) => {
            let neutral = format!("{}example.com{}", &value[..host.start], &value[host.end..]);
            url::Url::parse(&neutral).is_ok_and(|url| url.host().is_some())
        }
        Err(_) => false,
    }
}

/// Whitespace (Unicode) or a control character.
fn is_space_or_control(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

// ---------------------------------------------------------------------------
// Email
// ---------------------------------------------------------------------------

/// Characters of a dot-atom, besides ASCII letters and digits.
const ATOM_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

fn is_atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || ATOM_SPECIALS.contains(c)
}

/// Django's `user_regex`: a dot-atom or a quoted string.
fn is_valid_email_user(user: &str) -> bool {
    if user.starts_with('"') {
        is_valid_quoted_string(user)
    } else {
        is_valid_dot_atom(user)
    }
}

/// `^[-!#$%&'*+/=?^_`{}|~0-9A-Z]+(\.[-!#$%&'*+/=?^_`{}|~0-9A-Z]+)*\Z` (ignoring case).
fn is_valid_dot_atom(user: &str) -> bool {
    user.split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(is_atom_char))
}

/// `^"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*"\Z`
fn is_valid_quoted_string(user: &str) -> bool {
    let Some(inner) = user
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return false;
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        let ok = match c {
            '\\' => chars.next().is_some_and(|escaped| {
                matches!(escaped, '\u{01}'..='\u{09}' | '\u{0b}' | '\u{0c}' | '\u{0e}'..='\u{7f}')
            }),
            '\u{01}'..='\u{08}' | '\u{0b}' | '\u{0c}' | '\u{0e}'..='\u{1f}' => true,
            '!' | '#'..='[' | ']'..='\u{7f}' => true,
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Django's `validate_domain_part`, plus the allowlist.
fn is_valid_email_domain(domain: &str) -> bool {
    if EMAIL_DOMAIN_ALLOWLIST.contains(&domain) {
        return true;
    }
    if let Some(literal) = domain
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    {
        return is_valid_address_literal(literal);
    }
    is_valid_domain_name(domain)
}

/// SMTP address literal (RFC 5321 section 4.1.3), without its brackets:
/// `1.2.3.4`, `2001:db8::1` (Django's form) or `IPv6:2001:db8::1`.
fn is_valid_address_literal(literal: &str) -> bool {
    if let Some(v6) = strip_prefix_ignore_ascii_case(literal, "IPv6:") {
        return is_valid_ipv6(v6);
    }
    // Django's literal_regex: `[A-F0-9:.]+` (ignoring case), then an IPv4 or
    // IPv6 address.
    if literal.is_empty()
        || !literal
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
    {
        return false;
    }
    literal.parse::<Ipv4Addr>().is_ok() || is_valid_ipv6(literal)
}

fn strip_prefix_ignore_ascii_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        value.get(prefix.len()..)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Host names (shared by both validators)
// ---------------------------------------------------------------------------

/// Django's `ul` range (`\u00a1-\uffff`) minus Unicode whitespace.
fn is_unicode_label_char(c: char) -> bool {
    matches!(c, '\u{a1}'..='\u{ffff}') && !is_space_or_control(c)
}

/// A character allowed anywhere in a non-final label (`[a-z\u00a1-\uffff0-9-]`).
fn is_label_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || is_unicode_label_char(c)
}

/// A character allowed in a top-level domain (`[a-z\u00a1-\uffff-]`).
fn is_tld_char(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '-' || is_unicode_label_char(c)
}

/// Checks a label's length (in characters) and that it neither starts nor
/// ends with a hyphen, given a per-character rule.
fn is_label_with(label: &str, min: usize, char_ok: fn(char) -> bool) -> bool {
    let len = label.chars().count();
    (min..=MAX_LABEL_CHARS).contains(&len)
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.chars().all(char_ok)
}

/// Django's `hostname_re` / `domain_re` label: 1–63 characters.
fn is_valid_label(label: &str) -> bool {
    is_label_with(label, 1, is_label_char)
}

/// Django's `tld_no_fqdn_re`: 2–63 letters/hyphens, or `xn--` + 1–59 ASCII
/// letters or digits.
fn is_valid_tld(tld: &str) -> bool {
    if is_label_with(tld, 2, is_tld_char) {
        return true;
    }
    match strip_prefix_ignore_ascii_case(tld, "xn--") {
        Some(puny) => {
            (1..=59).contains(&puny.len()) && puny.chars().all(|c| c.is_ascii_alphanumeric())
        }
        None => false,
    }
}

/// `hostname_re + domain_re + tld_no_fqdn_re`: at least two labels, the last
/// one a TLD, no trailing dot.
fn is_valid_domain_name(domain: &str) -> bool {
    let mut labels = domain.rsplit('.');
    let Some(tld) = labels.next() else {
        return false;
    };
    let mut others = 0usize;
    for label in labels {
        if !is_valid_label(label) {
            return false;
        }
        others += 1;
    }
    others >= 1 && is_valid_tld(tld)
}

/// Django's `is_valid_ipv6_address` (at most 39 characters).
fn is_valid_ipv6(value: &str) -> bool {
    value.len() <= MAX_IPV6_CHARS && value.parse::<Ipv6Addr>().is_ok()
}

// ---------------------------------------------------------------------------
// URL
// ---------------------------------------------------------------------------

/// `(?:[^\s:@/]+(?::[^\s:@/]*)?@)?(?:ipv4|\[ipv6\]|host)(?::[0-9]{1,5})?`
///
/// Returns the byte range of the host (brackets included) within
/// `authority`, or `None` when the authority is invalid.
fn url_authority_host(authority: &str) -> Option<Range<usize>> {
    let (host_start, host_port) = match authority.split_once('@') {
        Some((userinfo, host_port)) => {
            if !is_valid_url_userinfo(userinfo) {
                return None;
            }
            (userinfo.len() + 1, host_port)
        }
        None => (0, authority),
    };
    let host_len = if let Some(rest) = host_port.strip_prefix('[') {
        let (ip, _) = rest.split_once(']')?;
        if !is_valid_ipv6_literal(ip) {
            return None;
        }
        ip.len() + 2
    } else {
        let host_len = host_port.find(':').unwrap_or(host_port.len());
        if !is_valid_url_host(&host_port[..host_len]) {
            return None;
        }
        host_len
    };
    is_valid_port_suffix(&host_port[host_len..]).then_some(host_start..host_start + host_len)
}

/// `[^\s:@/]+(?::[^\s:@/]*)?` (whitespace is rejected earlier). Brackets
/// are refused too: Python's `urlsplit`, which Django calls, raises on a
/// netloc holding an unmatched `[` or `]`.
fn is_valid_url_userinfo(userinfo: &str) -> bool {
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let clean = |s: &str| !s.contains([':', '@', '/', '[', ']']);
    !user.is_empty() && clean(user) && clean(password)
}

/// `\[[0-9a-f:.]+\]` then `validate_ipv6_address`, without the brackets.
fn is_valid_ipv6_literal(ip: &str) -> bool {
    !ip.is_empty()
        && ip
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        && is_valid_ipv6(ip)
}

/// A non-bracketed URL host: `localhost`, IPv4 or a domain name (which may
/// end with a dot), at most 253 characters.
fn is_valid_url_host(host: &str) -> bool {
    if host.chars().count() > MAX_HOSTNAME_CHARS {
        return false;
    }
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    // `std` rejects octal-looking octets ("01.2.3.4"), as Django's ipv4_re.
    if host.parse::<Ipv4Addr>().is_ok() {
        return true;
    }
    let domain = host.strip_suffix('.').unwrap_or(host);
    is_valid_domain_name(domain)
}

/// Empty, or `:` followed by 1–5 ASCII digits (the range is left to `url`).
fn is_valid_port_suffix(port: &str) -> bool {
    match port.strip_prefix(':') {
        Some(digits) => {
            (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        }
        None => port.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_emails(values: &[&str], expected: bool) {
        let wrong: Vec<&&str> = values
            .iter()
            .filter(|value| is_valid_email(value) != expected)
            .collect();
        assert!(
            wrong.is_empty(),
            "is_valid_email should be {expected} for {wrong:?}"
        );
    }

    fn assert_urls(values: &[&str], expected: bool) {
        let wrong: Vec<&&str> = values
            .iter()
            .filter(|value| is_valid_url(value) != expected)
            .collect();
        assert!(
            wrong.is_empty(),
            "is_valid_url should be {expected} for {wrong:?}"
        );
    }

    // ----- email ---------------------------------------------------------

    #[test]
    fn email_django_valid_vectors() {
        let a63 = "a".repeat(63);
        let owned = [
            format!("example@atm.{a63}"),
            format!("example@{a63}.atm"),
            format!("example@{a63}.{}.atm", "b".repeat(10)),
            format!("a@{a63}.us"),
        ];
        assert_emails(&owned.iter().map(String::as_str).collect::<Vec<_>>(), true);
        assert_emails(
            &[
                "email@here.com",
                "weirder-email@here.and.there.com",
                "email@[127.0.0.1]",
                "email@[2001:dB8::1]",
                "email@[2001:dB8:0:0:0:0:0:1]",
                "email@[::fffF:127.0.0.1]",
                "example@valid-----hyphens.com",
                "example@valid-with-hyphens.com",
                "test@domain.with.idn.tld.उदाहरण.परीक्षा",
                "email@localhost",
                "\"test@test\"@example.com",
                "\"\\\t\"@here.com",
            ],
            true,
        );
    }

    #[test]
    fn email_django_invalid_vectors() {
        let owned = [
            format!("example@atm.{}", "a".repeat(64)),
            format!("example@{}.atm.{}", "b".repeat(64), "a".repeat(63)),
            format!("example@{}com", format!("{}.", "a".repeat(63)).repeat(100)),
            format!("a@{}.us", "a".repeat(64)),
        ];
        assert_emails(&owned.iter().map(String::as_str).collect::<Vec<_>>(), false);
        assert_emails(
            &[
                "",
                "abc",
                "abc@",
                "abc@bar",
                "a @x.cz",
                "abc@.com",
                "something@@somewhere.com",
                "email@127.0.0.1",
                "email@[127.0.0.256]",
                "email@[2001:db8::12345]",
                "email@[2001:db8:0:0:0:0:1]",
                "email@[::ffff:127.0.0.256]",
                "email@[2001:dg8::1]",
                "email@[2001:dG8:0:0:0:0:0:1]",
                "email@[::fTzF:127.0.0.1]",
                "example@invalid-.com",
                "example@-invalid.com",
                "example@invalid.com-",
                "example@inv-.alid-.com",
                "example@inv-.-alid.com",
                "test@example.com\n\n<script src=\"x.js\">",
                "\"\\\n\"@here.com",
                "trailingdot@shouldfail.com.",
                "a@b.com\n",
                "a\n@b.com",
                "\"test@test\"\n@example.com",
                "a@[127.0.0.1]\n",
            ],
            false,
        );
    }

    #[test]
    fn email_user_part_dot_atom() {
        assert_emails(
            &[
                "first.last@example.com",
                "First.LAST@Example.COM",
                "user+tag@example.com",
                "!#$%&'*+-/=?^_`{|}~@example.com",
                "1234567890@example.com",
                "x@example.com",
            ],
            true,
        );
        assert_emails(
            &[
                "@example.com",
                ".user@example.com",
                "user.@example.com",
                "us..er@example.com",
                "us(er@example.com",
                "us,er@example.com",
                "us\\er@example.com",
                "us\"er@example.com",
                "us[er]@example.com",
                "us:er@example.com",
                "usér@example.com",
                "用户@example.com",
                "💩@domain.com",
            ],
            false,
        );
    }

    #[test]
    fn email_user_part_quoted_string() {
        assert_emails(
            &[
                "\"\"@example.com",
                "\"john..doe\"@example.com",
                "\"a\\\"b\"@example.com",
                "\"a\\\\b\"@example.com",
                "\"with@at\"@example.com",
                "\"(comment)\"@example.com",
                "\"a\\ b\"@example.com",
            ],
            true,
        );
        assert_emails(
            &[
                "\"@example.com",
                "\"unterminated@example.com",
                "\"a\"b\"@example.com",
                "\"a\\\"@example.com",
                "\"a b\"@example.com",
                "\"a\tb\"@example.com",
                "\"a\rb\"@example.com",
                "\"a\\\rb\"@example.com",
                "\"a\nb\"@example.com",
                "\"é\"@example.com",
                "\"a\"x@example.com",
                "x\"a\"@example.com",
                "\"a\u{0}b\"@example.com",
            ],
            false,
        );
    }

    #[test]
    fn email_domain_part() {
        assert_emails(
            &[
                "user@example.co.uk",
                "user@EXAMPLE.COM",
                "user@1337.net",
                "user@127.0.01.09.home.lan",
                "user@xn--bcher-kva.example",
                "user@example.xn--p1ai",
                "user@example.XN--P1AI",
                "user@dashintld.c-m",
                "user@evenmoredashintld.a---c",
                "user@münchen.de",
                "user@éxample.com",
                "user@b.cé",
                "user@例子.测试",
                "user@مثال.إختبار",
                "user@☺.com",
            ],
            true,
        );
        assert_emails(
            &[
                "user@LOCALHOST",
                "user@localhost.",
                "user@example",
                "user@.example.com",
                "user@example..com",
                "user@example.c",
                "user@example.c0m",
                "user@example.123",
                "user@b.12",
                "user@b.-xy",
                "user@example.xn--",
                "user@example.xn---",
                "user@example.-com",
                "user@ex_ample.com",
                "user@ex ample.com",
                "user@example.com ",
                " user@example.com",
                "user@example\u{3000}.com",
                "user@example.com\u{2028}",
                "user@exa%6dple.com",
                "user@💩.la",
                "user@example.com/",
                "user@[]",
                "user@[1.2.3]",
                "user@[01.2.3.4]",
                "user@[1.2.3.4",
                "user@1.2.3.4]",
                "user@[fe80::1%eth0]",
                "user@[0000:0000:0000:0000:0000:ffff:192.168.100.228]",
                "user@[IPv6:1.2.3.4]",
                "user@[example.com]",
            ],
            false,
        );
    }

    #[test]
    fn email_address_literals() {
        assert_emails(
            &[
                "user@[0.0.0.0]",
                "user@[255.255.255.255]",
                "user@[::1]",
                "user@[IPv6:::1]",
                "user@[ipv6:2001:db8::1]",
                "user@[IPv6:2001:db8:0:0:0:0:0:1]",
            ],
            true,
        );
        assert_emails(
            &[
                "user@[256.0.0.0]",
                "user@[IPv6:]",
                "user@[IPv6:2001:db8::12345]",
                "user@[IPv6:1.2.3.4]",
                "user@[IPv4:1.2.3.4]",
                "user@[ IPv6:::1]",
            ],
            false,
        );
    }

    #[test]
    fn email_length_limit() {
        // 64 + 1 + 255 = 320 characters: accepted.
        let domain = format!("{0}.{0}.{0}.{1}", "d".repeat(63), "e".repeat(63));
        assert_eq!(domain.len(), 255);
        let ok = format!("{}@{domain}", "u".repeat(64));
        assert_eq!(ok.chars().count(), 320);
        assert!(is_valid_email(&ok));
        let too_long = format!("{}@{domain}", "u".repeat(65));
        assert!(!is_valid_email(&too_long));
        // Counted in characters, not bytes.
        let label = "é".repeat(63);
        let unicode = format!("u@{label}.{label}.{label}.{label}.com");
        assert!(unicode.len() > 320 && unicode.chars().count() <= 320);
        assert!(is_valid_email(&unicode));
    }

    #[test]
    fn email_splits_at_last_at_sign() {
        assert!(is_valid_email("\"a@b\"@example.com"));
        assert!(!is_valid_email("a@b@example.com"));
        assert!(!is_valid_email("user@example.com@"));
        assert!(!is_valid_email("@"));
    }

    // ----- URL -----------------------------------------------------------

    #[test]
    fn url_django_valid_vectors() {
        let d2000 = "d".repeat(2000);
        let owned = [
            format!("https://userid:pa{}ssword@example.com", "a".repeat(220)),
            format!(
                "https://userid:pa{}ssword@example.com:8080",
                "a".repeat(214)
            ),
            format!("https://userid{}:password@example.com", "d".repeat(222)),
            format!(
                "https://userid{}:password@example.com:8080",
                "d".repeat(217)
            ),
            format!("http://userid:password{d2000}@example.aaaaaaaaaaaaa.com"),
            format!("http://{}.example.com", "a".repeat(63)),
            format!("http://example.{}.com", "a".repeat(63)),
            format!("http://example.{}", "a".repeat(63)),
            format!(
                "http://{}.{}.{}.{}.{}.{}.{}.{}",
                "a".repeat(33),
                "a".repeat(27),
                "a".repeat(34),
                "a".repeat(30),
                "a".repeat(33),
                "a".repeat(31),
                "a".repeat(30),
                "a".repeat(28),
            ),
        ];
        assert_urls(&owned.iter().map(String::as_str).collect::<Vec<_>>(), true);
        assert_urls(
            &[
                "http://www.djangoproject.com/",
                "HTTP://WWW.DJANGOPROJECT.COM/",
                "http://localhost/",
                "http://example.com/",
                "http://example.com:0",
                "http://example.com:0/",
                "http://example.com:65535",
                "http://example.com:65535/",
                "http://example.com./",
                "http://www.example.com/",
                "http://www.example.com:8000/test",
                "http://valid-with-hyphens.com/",
                "http://subdomain.example.com/",
                "http://a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "http://200.8.9.10/",
                "http://200.8.9.10:8000/test",
                "http://su--b.valid-----hyphens.com/",
                "http://example.com?something=value",
                "http://example.com/index.php?something=value&another=value2",
                "https://example.com/",
                "ftp://example.com/",
                "ftps://example.com/",
                "http://foo.com/blah_blah",
                "http://foo.com/blah_blah/",
                "http://foo.com/blah_blah_(wikipedia)",
                "http://foo.com/blah_blah_(wikipedia)_(again)",
                "http://www.example.com/wpstyle/?p=364",
                "https://www.example.com/foo/?bar=baz&inga=42&quux",
                "http://✪df.ws/123",
                "http://userid@example.com",
                "http://userid@example.com/",
                "http://userid@example.com:8080",
                "http://userid@example.com:8080/",
                "http://userid@example.com:65535",
                "http://userid@example.com:65535/",
                "http://userid:@example.com",
                "http://userid:@example.com/",
                "http://userid:@example.com:8080",
                "http://userid:@example.com:8080/",
                "http://userid:password@example.com",
                "http://userid:password@example.com/",
                "http://userid:password@example.com:8",
                "http://userid:password@example.com:8/",
                "http://userid:password@example.com:8080",
                "http://userid:password@example.com:8080/",
                "http://userid:password@example.com:65535",
                "http://userid:password@example.com:65535/",
                "http://142.42.1.1/",
                "http://142.42.1.1:8080/",
                "http://➡.ws/䨹",
                "http://⌘.ws",
                "http://⌘.ws/",
                "http://foo.com/blah_(wikipedia)#cite-1",
                "http://foo.com/blah_(wikipedia)_blah#cite-1",
                "http://foo.com/unicode_(✪)_in_parens",
                "http://foo.com/(something)?after=parens",
                "http://☺.damowmow.com/",
                "http://djangoproject.com/events/#&product=browser",
                "http://j.mp",
                "ftp://foo.bar/baz",
                "http://foo.bar/?q=Test%20URL-encoded%20stuff",
                "http://مثال.إختبار",
                "http://例子.测试",
                "http://उदाहरण.परीक्षा",
                "http://-.~_!$&'()*+,;=%40:80%2f@example.com",
                "http://xn--7sbb4ac0ad0be6cf.xn--p1ai",
                "http://1337.net",
                "http://a.b-c.de",
                "http://223.255.255.254",
                "ftps://foo.bar/",
                "http://10.1.1.254",
                "http://[FEDC:BA98:7654:3210:FEDC:BA98:7654:3210]:80/index.html",
                "http://[::192.9.5.5]/ipng",
                "http://[::ffff:192.9.5.5]/ipng",
                "http://[::1]:8080/",
                "http://0.0.0.0/",
                "http://255.255.255.255",
                "http://224.0.0.0",
                "http://224.1.1.1",
                "http://111.112.113.114/",
                "http://88.88.88.88/",
                "http://11.12.13.14/",
                "http://10.20.30.40/",
                "http://1.2.3.4/",
                "http://127.0.01.09.home.lan",
                "http://dashintld.c-m",
                "http://multipledashintld.a-b-c",
                "http://evenmoredashintld.a---c",
                "http://dashinpunytld.xn---c",
            ],
            true,
        );
    }

    #[test]
    fn url_django_invalid_vectors() {
        let owned = [
            format!("http://{}.example.com", "a".repeat(64)),
            format!("http://example.{}.com", "a".repeat(64)),
            format!("http://example.{}", "a".repeat(64)),
            format!(
                "http://example.{}com",
                format!("{}.", "a".repeat(63)).repeat(1000)
            ),
            format!(
                "http://{}.{}.{}.{}.{}.{}.{}.{}",
                "a".repeat(35),
                "a".repeat(29),
                "a".repeat(34),
                "a".repeat(30),
                "a".repeat(33),
                "a".repeat(31),
                "a".repeat(30),
                "a".repeat(25),
            ),
        ];
        assert_urls(&owned.iter().map(String::as_str).collect::<Vec<_>>(), false);
        assert_urls(
            &[
                "no_scheme",
                "foo",
                "http://",
                "http://example",
                "http://example.",
                "http://example.com:-1",
                "http://example.com:-1/",
                "http://example.com:000000080",
                "http://example.com:000000080/",
                "http://.com",
                "http://invalid-.com",
                "http://-invalid.com",
                "http://invalid.com-",
                "http://invalid.-com",
                "http://inv-.alid-.com",
                "http://inv-.-alid.com",
                "file://localhost/path",
                "git://example.com/",
                "http://.",
                "http://..",
                "http://../",
                "http://?",
                "http://??",
                "http://??/",
                "http://#",
                "http://##",
                "http://##/",
                "http://foo.bar?q=Spaces should be encoded",
                "//",
                "//a",
                "///a",
                "///",
                "http:///a",
                "foo.com",
                "rdar://1234",
                "h://test",
                "http:// shouldfail.com",
                ":// should fail",
                "http://foo.bar/foo(bar)baz quux",
                "http://-error-.invalid/",
                "http://dashinpunytld.trailingdot.xn--.",
                "http://dashinpunytld.xn---",
                "http://-a.b.co",
                "http://a.b-.co",
                "http://a.-b.co",
                "http://a.b-.c.co",
                "http:/",
                "http://1.1.1.1.1",
                "http://123.123.123",
                "http://3628126748",
                "http://123",
                "http://000.000.000.000",
                "http://016.016.016.016",
                "http://192.168.000.001",
                "http://01.2.3.4",
                "http://1.02.3.4",
                "http://1.2.03.4",
                "http://1.2.3.04",
                "http://.www.foo.bar/",
                "http://.www.foo.bar./",
                "http://[::1:2::3]:8/",
                "http://[::1:2::3]:8080/",
                "http://[]",
                "http://[]:8080",
                "http://example..com/",
                "https://test.[com",
                "http://@example.com",
                "http://:@example.com",
                "http://:bar@example.com",
                "http://foo@bar@example.com",
                "http://foo/bar@example.com",
                "http://foo:bar:baz@example.com",
                "http://foo:bar@baz@example.com",
                "http://foo:bar/baz@example.com",
                "http://invalid-.com/?m=foo@example.com",
                "http://www.djangoproject.com/\n",
                "http://[::ffff:192.9.5.5]\n",
                "http://www.djangoproject.com/\r",
                "http://[::ffff:192.9.5.5]\r",
                "http://www.django\rproject.com/",
                "http://[::\rffff:192.9.5.5]",
                "http://\twww.djangoproject.com/",
                "http://\t[::ffff:192.9.5.5]",
                "http://www.asdasdasdasdsadfm.com.br ",
                "http://www.asdasdasdasdsadfm.com.br z",
                "git://-invalid.com",
            ],
            false,
        );
    }

    #[test]
    fn url_scheme() {
        assert_urls(
            &[
                "Https://example.com",
                "FTP://example.com",
                "fTpS://example.com",
            ],
            true,
        );
        assert_urls(
            &[
                "",
                "://example.com",
                "mailto:user@example.com",
                "http:example.com",
                "http:/example.com",
                "http:\\\\example.com",
                "https//example.com",
                "ws://example.com",
                "httpx://example.com",
                "javascript://example.com/%0Aalert(1)",
                " http://example.com",
                "example.com://x",
            ],
            false,
        );
    }

    #[test]
    fn url_host_and_port() {
        assert_urls(
            &[
                "http://LOCALHOST:8000",
                "http://localhost:1/",
                "http://[::1]",
                "http://[2001:db8::1]:443/x",
                "http://example.com:1",
                "http://example.com:8080?x=1",
                "http://example.com#frag",
                "https://münchen.de/straße",
                "http://xn--mnchen-3ya.de",
            ],
            true,
        );
        assert_urls(
            &[
                "http://localhost./",
                "http://example.com:",
                "http://example.com:/",
                "http://example.com:123456",
                "http://example.com:8a",
                "http://example.com:80:80",
                "http://[::1]:",
                "http://[::1]x",
                "http://[::1",
                "http://::1/",
                "http://[fe80::1%25eth0]/",
                "http://[0000:0000:0000:0000:0000:ffff:192.168.100.228]/",
                "http://[1.2.3.4]/",
                "http://256.1.1.1/",
                "http://0x7f.0.0.1/",
                "http://exa%6dple.com/",
                "http://ex_ample.com/",
                "http://example.c/",
                "http://example.c0m/",
                "http://💩.la/",
                "http://example.com\\path",
                "http://example\u{3000}.com/",
                "http://example.com/\u{0}",
                "http://example.com/\u{7f}",
                "http://example.com/a\u{a0}b",
            ],
            false,
        );
    }

    #[test]
    fn url_idna_invalid_punycode_still_valid_as_in_django() {
        assert_urls(
            &[
                "http://xn--7sbb4ac0ad0be6cf.xn--p1ai",
                "http://xn--7sbb4ac0ad0be6cf.xn--p1ai:8080/path?q#f",
                "https://user:pw@xn--a.com/",
                "http://dashinpunytld.xn---c",
            ],
            true,
        );
        // The rest of the URL is still checked by `url`.
        assert_urls(
            &[
                "http://xn--7sbb4ac0ad0be6cf.xn--p1ai:99999",
                "http://xn--7sbb4ac0ad0be6cf.xn--p1ai:",
                "http://xn--a.c0m",
            ],
            false,
        );
    }

    #[test]
    fn url_stricter_than_django_on_malformed_input() {
        // Django accepts these; each is broken (the `url` crate and browsers
        // read `us` as the host of the first ones).
        assert_urls(
            &[
                "http://us?er@example.com/",
                "http://use#@example.com/",
                "http://foo:bar\\baz@example.com",
                "http://example.com:65536",
                "http://example.com:99999",
                "http://example.com/a\u{1}b",
                "http://ser@[0000:0000:0000:0000:0000:ffff:192.168.100.228]",
            ],
            false,
        );
        // Python's urlsplit raises on unmatched brackets, so Django rejects.
        assert_urls(
            &["http://u[x@example.com", "http://u:p]@example.com"],
            false,
        );
    }

    #[test]
    fn url_length_limits() {
        let base = "http://example.com/";
        let ok = format!("{base}{}", "p".repeat(MAX_URL_CHARS - base.len()));
        assert_eq!(ok.chars().count(), MAX_URL_CHARS);
        assert!(is_valid_url(&ok));
        let too_long = format!("{ok}p");
        assert!(!is_valid_url(&too_long));
        // A 253-character host name is the longest accepted.
        let host = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61));
        assert_eq!(host.len(), 253);
        assert!(is_valid_url(&format!("http://{host}/")));
        let host = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(62));
        assert!(!is_valid_url(&format!("http://{host}/")));
    }

    #[test]
    fn never_panics_on_odd_input() {
        let odd = [
            "",
            "@",
            "@@",
            "\"",
            "\"\\",
            "[",
            "]",
            "[]",
            "://",
            "http://[",
            "http://]",
            "http://@",
            "http://:",
            "http://[::]:",
            "a@[",
            "a@[]",
            "a@[IPv6",
            "a@[ipv6:",
            "é@é",
            "\u{0}",
            "\u{10ffff}@\u{10ffff}.\u{10ffff}",
            "http://\u{10ffff}.com",
            "http://é:é@é.é:é/é",
        ];
        for value in odd {
            let _ = is_valid_email(value);
            let _ = is_valid_url(value);
        }
        // Every prefix of a few tricky values, cut at any char boundary.
        for value in [
            "\"a\\\"b\"@[IPv6:2001:db8::1]",
            "https://us:pw@[::ffff:1.2.3.4]:8080/p?q#f",
            "ftp://例子.测试./路径",
        ] {
            for (i, _) in value.char_indices() {
                let _ = is_valid_email(&value[..i]);
                let _ = is_valid_url(&value[..i]);
            }
        }
    }
}
