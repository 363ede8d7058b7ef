//! Magic-link URLs and the redirect allow-list that keeps them from becoming open
//! redirects.
//!
//! A magic link is the application's own page (the "redirect URL") with the token and
//! its type appended as query parameters. Callers may name the page per request (Stytch
//! `login_magic_link_url`, PropelAuth `redirect_to_url`), so the page is checked against
//! an allow-list configured ahead of time: a link must never send a token, or a user, to
//! a host the caller did not list. OWASP's forgot-password guidance says the same: build
//! reset URLs from an allow-listed host, never from the request's `Host` header.
//!
//! # The check
//!
//! 1. The raw text is at most [`MAX_URL_LEN`] bytes of printable ASCII with no space and
//!    no backslash. Browsers and the WHATWG URL standard strip tabs and newlines and read
//!    `\` as `/`, which turns `https:\\evil.com` or `https://good.com\@evil.com` into a
//!    different host than a naive reading; those are refused outright.
//! 2. It starts with `http://` or `https://` (any case). Scheme-relative `//evil.com`,
//!    relative paths, `https:evil.com` (which WHATWG parsing would complete to
//!    `https://evil.com/`), `javascript:`, `data:` and every other scheme are refused.
//! 3. It parses as a URL (the `url` crate, WHATWG URL standard), which normalises it:
//!    scheme and host lower-cased, default ports dropped, `.` and `..` path segments
//!    resolved, an empty path made `/`. Internationalised host names must be written
//!    in their ASCII (`xn--`) form, in the allow-list and in candidates alike: step 1
//!    refuses non-ASCII text, so two spellings of one host never need reconciling.
//! 4. It has no user name or password (`https://good.com@evil.com`) and no fragment, and
//!    its query does not already use the parameter names the link builder appends.
//! 5. Its scheme, host, port and path equal those of an allow-list entry exactly, after
//!    the same normalisation. Its query (other than the reserved names) is kept.
//!
//! ```
//! use portcullis_token::{MagicLinks, Purpose, RedirectAllowList, TokenError};
//!
//! let allow = RedirectAllowList::new(["https://app.example.com/auth/callback"])?;
//! assert!(allow.check("https://APP.example.com:443/auth/./callback?next=%2Fhome").is_ok());
//! for attack in [
//!     "//evil.com/auth/callback",
//!     "https://app.example.com@evil.com/auth/callback",
//!     "https:\\\\evil.com/auth/callback",
//!     "javascript:alert(1)//https://app.example.com/auth/callback",
//!     "https://app.example.com.evil.com/auth/callback",
//! ] {
//!     assert!(matches!(allow.check(attack), Err(TokenError::RedirectRefused(_))), "{attack}");
//! }
//! # Ok::<(), TokenError>(())
//! ```

use std::collections::BTreeMap;

use portcullis_core::SecretString;
use url::Url;

use crate::error::{RedirectRefusal, TokenError};
use crate::opaque::OpaqueToken;
use crate::purpose::Purpose;

/// The longest redirect URL accepted, in bytes, before and after normalisation (well
/// under the 8 KiB request-line limit of common servers, leaving room for the token).
pub const MAX_URL_LEN: usize = 2048;

/// Default name of the query parameter carrying the token.
pub const DEFAULT_TOKEN_PARAM: &str = "token";
/// Default name of the query parameter carrying the token's purpose.
pub const DEFAULT_TYPE_PARAM: &str = "token_type";

/// The URLs a magic link may lead to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectAllowList {
    entries: Vec<Url>,
    reserved: [String; 2],
}

impl RedirectAllowList {
    /// An allow-list of absolute `http(s)` URLs, each without user info, query or
    /// fragment.
    ///
    /// # Errors
    /// [`TokenError::RedirectRefused`] naming why an entry is unacceptable;
    /// [`TokenError::Invalid`] for an entry with a query, or an empty list.
    pub fn new<I, S>(entries: I) -> Result<Self, TokenError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let entries = entries
            .into_iter()
            .map(|entry| {
                let url = parse_http(entry.as_ref())?;
                if url.query().is_some() {
                    return Err(TokenError::Invalid("allow-list entry with a query"));
                }
                Ok(url)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if entries.is_empty() {
            return Err(TokenError::Invalid("empty redirect allow-list"));
        }
        Ok(Self {
            entries,
            reserved: [
                DEFAULT_TOKEN_PARAM.to_owned(),
                DEFAULT_TYPE_PARAM.to_owned(),
            ],
        })
    }

    fn with_reserved(mut self, token_param: &str, type_param: &str) -> Self {
        self.reserved = [token_param.to_owned(), type_param.to_owned()];
        self
    }

    /// Checks a requested redirect URL (the steps in the [module docs](self)).
    ///
    /// # Errors
    /// [`TokenError::RedirectRefused`] with the reason.
    pub fn check(&self, candidate: &str) -> Result<AllowedRedirect, TokenError> {
        let url = parse_http(candidate)?;
        if url
            .query_pairs()
            .any(|(name, _)| self.reserved.iter().any(|r| *r == name))
        {
            return Err(TokenError::RedirectRefused(
                RedirectRefusal::ReservedParameter,
            ));
        }
        let allowed = self.entries.iter().any(|entry| {
            entry.scheme() == url.scheme()
                && entry.host() == url.host()
                && entry.port_or_known_default() == url.port_or_known_default()
                && entry.path() == url.path()
        });
        if allowed {
            Ok(AllowedRedirect(url))
        } else {
            Err(TokenError::RedirectRefused(RedirectRefusal::NotAllowed))
        }
    }
}

/// A redirect URL that passed an allow-list check. The only way to make one is
/// [`RedirectAllowList::check`] (or [`MagicLinks`], which calls it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedRedirect(Url);

impl AllowedRedirect {
    /// The normalised URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// This URL with `token_param=<token>&type_param=<token_type>` appended to its
    /// query: the magic link. It holds the token, so it comes back as a secret.
    #[must_use]
    pub fn with_token(
        &self,
        token: &OpaqueToken,
        token_type: &str,
        token_param: &str,
        type_param: &str,
    ) -> SecretString {
        // Written into one buffer sized up front, rather than through `Url`'s query
        // serializer, so that no reallocation leaves a copy of the token in freed memory.
        let encode =
            |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
        let (token_param, type_param, token_type) =
            (encode(token_param), encode(type_param), encode(token_type));
        let url = &self.0;
        let base = match url.fragment() {
            Some(fragment) => &url.as_str()[..url.as_str().len() - fragment.len() - 1],
            None => url.as_str(),
        };
        let separator = match url.query() {
            None => "?",
            Some("") => "",
            Some(_) => "&",
        };
        let rendered = token.render();
        let fragment = url.fragment().map_or(0, |f| f.len() + 1);
        let mut text = String::with_capacity(
            base.len()
                + separator.len()
                + token_param.len()
                + 1
                + rendered.expose_secret().len()
                + 1
                + type_param.len()
                + 1
                + token_type.len()
                + fragment,
        );
        for part in [
            base,
            separator,
            &token_param,
            "=",
            rendered.expose_secret(),
            "&",
        ] {
            text.push_str(part);
        }
        for part in [&type_param, "=", &token_type] {
            text.push_str(part);
        }
        if let Some(f) = url.fragment() {
            text.push('#');
            text.push_str(f);
        }
        SecretString::new(text)
    }
}

/// Builds magic links: an allow-list, a default redirect URL per purpose, and the names
/// of the two query parameters.
///
/// ```
/// use portcullis_token::{MagicLinks, OpaqueToken, Purpose, RedirectAllowList, TokenError};
/// # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
///
/// let links = MagicLinks::new(RedirectAllowList::new([
///     "https://app.example.com/login",
///     "https://app.example.com/invite",
/// ])?)
/// .default_for(Purpose::Login, "https://app.example.com/login")?;
/// let token = OpaqueToken::generate(&mut ChaCha20Rng::seed_from_u64(3));
///
/// let link = links.url(&Purpose::Login, None, &token)?;
/// assert!(link.expose_secret().starts_with("https://app.example.com/login?token="));
/// assert!(link.expose_secret().ends_with("&token_type=login"));
/// // No default for invites, and none given: an error, never a guess.
/// assert_eq!(links.url(&Purpose::Invite, None, &token).unwrap_err(), TokenError::NoRedirectUrl);
/// assert!(links.url(&Purpose::Invite, Some("https://app.example.com/invite"), &token).is_ok());
/// # Ok::<(), TokenError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MagicLinks {
    allow_list: RedirectAllowList,
    defaults: BTreeMap<Purpose, AllowedRedirect>,
    token_param: String,
    type_param: String,
}

impl MagicLinks {
    /// Links to the pages of `allow_list`, with parameters `token` and `token_type`.
    #[must_use]
    pub fn new(allow_list: RedirectAllowList) -> Self {
        Self {
            allow_list,
            defaults: BTreeMap::new(),
            token_param: DEFAULT_TOKEN_PARAM.to_owned(),
            type_param: DEFAULT_TYPE_PARAM.to_owned(),
        }
    }

    /// The page links for `purpose` lead to when a request names none.
    ///
    /// # Errors
    /// [`TokenError::RedirectRefused`] when `url` is not in the allow-list.
    pub fn default_for(mut self, purpose: Purpose, url: &str) -> Result<Self, TokenError> {
        let url = self.allow_list.check(url)?;
        self.defaults.insert(purpose, url);
        Ok(self)
    }

    /// Other names for the two query parameters (Stytch uses `token` and
    /// `stytch_token_type`).
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for empty or equal names, or when a configured default
    /// URL already uses one of them.
    pub fn params(mut self, token_param: &str, type_param: &str) -> Result<Self, TokenError> {
        if token_param.is_empty() || type_param.is_empty() || token_param == type_param {
            return Err(TokenError::Invalid("magic-link parameter names"));
        }
        self.allow_list = self.allow_list.with_reserved(token_param, type_param);
        for url in self.defaults.values() {
            if url
                .0
                .query_pairs()
                .any(|(name, _)| name == token_param || name == type_param)
            {
                return Err(TokenError::Invalid("magic-link parameter names"));
            }
        }
        self.token_param = token_param.to_owned();
        self.type_param = type_param.to_owned();
        Ok(self)
    }

    /// Checks a requested redirect URL against the allow-list (to store it with the
    /// token, say).
    ///
    /// # Errors
    /// As [`RedirectAllowList::check`].
    pub fn check(&self, candidate: &str) -> Result<AllowedRedirect, TokenError> {
        self.allow_list.check(candidate)
    }

    /// The magic link for `token`: the `requested` page if given and allowed, otherwise
    /// the default page for `purpose`.
    ///
    /// # Errors
    /// [`TokenError::RedirectRefused`] when `requested` is not allowed;
    /// [`TokenError::NoRedirectUrl`] when nothing is requested and no default is set.
    pub fn url(
        &self,
        purpose: &Purpose,
        requested: Option<&str>,
        token: &OpaqueToken,
    ) -> Result<SecretString, TokenError> {
        let page = match requested {
            Some(candidate) => self.allow_list.check(candidate)?,
            None => self
                .defaults
                .get(purpose)
                .cloned()
                .ok_or(TokenError::NoRedirectUrl)?,
        };
        Ok(page.with_token(token, purpose.as_str(), &self.token_param, &self.type_param))
    }
}

/// Steps 1 to 4 of the check: syntax, scheme, parse, no user info or fragment.
fn parse_http(candidate: &str) -> Result<Url, TokenError> {
    let refuse = |reason| Err(TokenError::RedirectRefused(reason));
    if candidate.len() > MAX_URL_LEN {
        return refuse(RedirectRefusal::TooLong);
    }
    if !candidate
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'\\')
    {
        return refuse(RedirectRefusal::ForbiddenCharacter);
    }
    let lower = |n: usize| candidate.get(..n).map(str::to_ascii_lowercase);
    if lower(8).as_deref() != Some("https://") && lower(7).as_deref() != Some("http://") {
        return refuse(RedirectRefusal::NotHttp);
    }
    // `@` anywhere in the authority means user info, even empty (`https://@host`).
    let after_scheme = &candidate[candidate.find("://").map_or(0, |i| i + 3)..];
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    if after_scheme[..authority_end].contains('@') {
        return refuse(RedirectRefusal::UserInfo);
    }
    let Ok(url) = Url::parse(candidate) else {
        return refuse(RedirectRefusal::Unparsable);
    };
    // Normalising percent-encodes some characters, so the result can outgrow the input:
    // the limit holds for what the link will contain.
    if url.as_str().len() > MAX_URL_LEN {
        return refuse(RedirectRefusal::TooLong);
    }
    // Defence in depth: the prefix check above already pins these.
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return refuse(RedirectRefusal::NotHttp);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return refuse(RedirectRefusal::UserInfo);
    }
    if url.fragment().is_some() {
        return refuse(RedirectRefusal::Fragment);
    }
    Ok(url)
}
