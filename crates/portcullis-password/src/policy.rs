//! Password policy: the rules a new password must pass before it is hashed and stored.
//!
//! The rules follow NIST SP 800-63B section 5.1.1.2 (memorized secret verifiers): a
//! minimum length of 8 counted in Unicode code points ("characters", not bytes), a
//! maximum of at least 64 that bounds the work per request, a check against passwords
//! known to be weak (a deny-list, the zxcvbn estimate, and breach corpora), and
//! refusal of context-specific words (the user's email and names, the service's name).
//! Composition rules (LUDS) are offered because Stytch and ForgeRock offer them and
//! migrated services rely on them, though NIST advises against imposing them. Password
//! history, which NIST does not ask for, is offered for the same reason.
//!
//! A check is pure: the policy, the password and a [`PolicyContext`] go in, a
//! [`StrengthResult`] comes out. The breach verdict is computed beforehand by the caller
//! (see [`crate::breach`]), and the history rule calls back into the caller's hash
//! verification through [`HashVerifier`].
//!
//! # Settings
//!
//! Every setting, its default and its bounds; [`PasswordPolicy::new`] refuses values
//! outside the bounds with [`Error::InvalidConfig`].
//!
//! | setting | default | bounds | why |
//! |---|---|---|---|
//! | `min_length` | 8 | 8 ..= `max_length` | NIST SP 800-63B's floor for a password chosen by the user |
//! | `max_length` | 256 | 64 ..= 4096 | NIST asks to permit at least 64; 256 code points are at most 1,024 UTF-8 bytes, the hasher's default input limit, so a password the policy accepts can always be hashed |
//! | `strength_policy` | `zxcvbn` | `zxcvbn` or `luds` | Stytch's default |
//! | `min_score` | 3 | 1 ..= 4 | Stytch's threshold: zxcvbn 3 means more than 10^8 guesses |
//! | `luds_min_complexity` | 3 | 1 ..= 4 | classes out of four; Stytch allows 1 to 4 |
//! | `require_lower_case`, `require_upper_case`, `require_digit`, `require_symbol` | false | - | ForgeRock's per-class switches, on top of the count (LUDS only) |
//! | `reject_personal_info` | true | - | NIST's context-specific words: the email's local part and the user's names |
//! | `deny_list` | empty | any strings | exact matches, case-insensitive |
//! | `context_words` | empty | each at least 4 code points | substrings, case-insensitive (the service's name, ...) |
//! | `history_depth` | 5 | 0 ..= 24 | how many previous hashes to compare; 24 is the largest history Windows' "Enforce password history" allows |
//!
//! # Personal information
//!
//! With `reject_personal_info`, a password is refused when it contains, ignoring case,
//! the local part of the user's email (`ada.lovelace` in `ada.lovelace@example.com`),
//! one of its pieces split at `.`, `_`, `-` and `+` (`lovelace`), or one of the user's
//! names split at spaces, hyphens and apostrophes. Parts shorter than **4 code points are
//! ignored**: three-letter names and email pieces (`ann`, `lee`, `bob`, `jo`) occur inside
//! so many ordinary words that refusing them would refuse good passphrases
//! ("b**ann**er", "s**lee**ping") while adding little protection, because zxcvbn is
//! also given the same details and already scores passwords built around them lower.
//! Context words shorter than 4 code points are refused at configuration time for the
//! same reason, rather than silently ignored.
//!
//! # History
//!
//! The caller passes the user's previous password hashes, newest first and including
//! the current one, with a [`HashVerifier`] that knows how to compare a password to a
//! stored hash (the crate's hasher, or a closure). The first `history_depth` hashes are
//! compared. Each comparison is a full hash verification (tens of milliseconds for
//! argon2id), so the history rule runs last and only when every other rule passed: a
//! password refused anyway costs no hashing.

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::breach::BreachVerdict;
use crate::error::Error;
use crate::strength::{
    CharClasses, Feedback, LudsRequirements, StrengthPolicy, StrengthResult, Violation, estimate,
};

/// Personal-information parts and context words shorter than this many code points are
/// not matched (see the module docs).
pub const MIN_PART_CHARS: usize = 4;

/// The settings of a [`PasswordPolicy`], one field per rule; see the module docs for
/// the table of defaults and bounds.
///
/// Deserialises from a configuration file with every field optional:
///
/// ```
/// use portcullis_password::{PasswordPolicy, PolicySettings, StrengthPolicy};
///
/// let settings: PolicySettings =
///     serde_json::from_str(r#"{"strength_policy": "luds", "min_length": 12}"#).unwrap();
/// assert_eq!(settings.strength_policy, StrengthPolicy::Luds);
/// assert_eq!(settings.max_length, 256);
/// let policy = PasswordPolicy::new(settings).unwrap();
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
    /// Minimum length in Unicode code points.
    pub min_length: u32,
    /// Maximum length in Unicode code points.
    pub max_length: u32,
    /// Which strategy judges strength.
    pub strength_policy: StrengthPolicy,
    /// Minimum zxcvbn score (zxcvbn strategy).
    pub min_score: u8,
    /// Minimum number of character classes out of four (LUDS strategy).
    pub luds_min_complexity: u8,
    /// A lower-case letter is required (LUDS strategy).
    pub require_lower_case: bool,
    /// An upper-case letter is required (LUDS strategy).
    pub require_upper_case: bool,
    /// A digit is required (LUDS strategy).
    pub require_digit: bool,
    /// A symbol is required (LUDS strategy).
    pub require_symbol: bool,
    /// Refuse passwords containing the user's email local part or names.
    pub reject_personal_info: bool,
    /// Passwords refused outright (compared ignoring case).
    pub deny_list: Vec<String>,
    /// Words no password may contain (compared ignoring case), e.g. the service's name.
    pub context_words: Vec<String>,
    /// How many of the user's previous hashes the history rule compares.
    pub history_depth: u32,
}

impl Default for PolicySettings {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
            strength_policy: StrengthPolicy::Zxcvbn,
            min_score: 3,
            luds_min_complexity: 3,
            require_lower_case: false,
            require_upper_case: false,
            require_digit: false,
            require_symbol: false,
            reject_personal_info: true,
            deny_list: Vec::new(),
            context_words: Vec::new(),
            history_depth: 5,
        }
    }
}

/// Compares a candidate password with one stored hash, for the history rule.
///
/// Implemented for every `Fn(&str, &str) -> bool` taking `(password, stored_hash)`, so a
/// closure over the crate's hasher is enough. A stored hash that cannot be parsed or
/// verified should count as no match: the history rule is a courtesy, not a login.
///
/// ```
/// use portcullis_password::HashVerifier;
///
/// let verifier = |password: &str, stored: &str| stored == format!("plain:{password}");
/// assert!(verifier.matches("hunter22", "plain:hunter22"));
/// assert!(!verifier.matches("hunter22", "plain:hunter23"));
/// ```
pub trait HashVerifier {
    /// Whether `password` is the password `stored_hash` was made from.
    fn matches(&self, password: &str, stored_hash: &str) -> bool;
}

impl<F> HashVerifier for F
where
    F: Fn(&str, &str) -> bool,
{
    fn matches(&self, password: &str, stored_hash: &str) -> bool {
        self(password, stored_hash)
    }
}

/// A [`crate::Hasher`] checks history against every format it verifies; a hash it cannot
/// parse or verify counts as no match.
impl HashVerifier for crate::Hasher {
    fn matches(&self, password: &str, stored_hash: &str) -> bool {
        crate::StoredHash::parse(stored_hash)
            .and_then(|h| self.check(password, &h))
            .is_ok_and(|c| c.valid)
    }
}

/// What the policy needs to know about the user and the password besides the password
/// itself: email, names, the breach verdict and the password history. Every part is
/// optional; rules without their input pass.
///
/// ```
/// use portcullis_password::{BreachVerdict, PolicyContext};
///
/// let previous = ["$argon2id$...".to_owned()];
/// let verifier = |_: &str, _: &str| false;
/// let context = PolicyContext::new()
///     .email("ada.lovelace@example.com")
///     .names(&["Ada", "Lovelace"])
///     .breach(BreachVerdict::NotFound)
///     .history(&previous, &verifier);
/// # let _ = context;
/// ```
#[derive(Clone, Default)]
pub struct PolicyContext<'a> {
    email: Option<&'a str>,
    names: &'a [&'a str],
    breach: Option<BreachVerdict>,
    history: Vec<&'a str>,
    verifier: Option<&'a dyn HashVerifier>,
}

impl<'a> PolicyContext<'a> {
    /// An empty context: no personal information, no breach verdict, no history.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The user's email address.
    #[must_use]
    pub fn email(mut self, email: &'a str) -> Self {
        self.email = Some(email);
        self
    }

    /// The user's names (first, middle, last, display name, username...).
    #[must_use]
    pub fn names(mut self, names: &'a [&'a str]) -> Self {
        self.names = names;
        self
    }

    /// The outcome of a breach check the caller ran for this password
    /// ([`RangeQuery::judge`](crate::RangeQuery::judge) or
    /// [`BreachFile::lookup`](crate::BreachFile::lookup)).
    #[must_use]
    pub fn breach(mut self, verdict: BreachVerdict) -> Self {
        self.breach = Some(verdict);
        self
    }

    /// The user's previous password hashes, newest first and including the current one,
    /// and how to compare a password with them.
    #[must_use]
    pub fn history<S: AsRef<str>>(
        mut self,
        previous_hashes: &'a [S],
        verifier: &'a dyn HashVerifier,
    ) -> Self {
        self.history = previous_hashes.iter().map(AsRef::as_ref).collect();
        self.verifier = Some(verifier);
        self
    }

    /// The strings zxcvbn should treat as guessable for this user.
    fn user_inputs(&self) -> Vec<&'a str> {
        let mut inputs: Vec<&str> = self.names.to_vec();
        if let Some(email) = self.email {
            inputs.push(email);
            inputs.push(local_part(email));
        }
        inputs
    }
}

impl fmt::Debug for PolicyContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Personal data stays out of logs; say only which inputs are present.
        f.debug_struct("PolicyContext")
            .field("email", &self.email.map(|_| "[set]"))
            .field("names", &self.names.len())
            .field("breach", &self.breach)
            .field("history", &self.history.len())
            .finish()
    }
}

/// A validated set of password rules: check candidate passwords with
/// [`check`](Self::check).
///
/// ```
/// use portcullis_password::{PasswordPolicy, PolicyContext, Violation};
///
/// let policy = PasswordPolicy::default();
/// let context = PolicyContext::new().email("ada.lovelace@example.com");
///
/// let ok = policy.check("correct horse battery staple", &context);
/// assert!(ok.valid_password);
/// assert_eq!(ok.score, 4);
///
/// let bad = policy.check("Lovelace-1815-xyz", &context);
/// assert!(!bad.valid_password);
/// assert!(bad.violations.contains(&Violation::ContainsEmail));
/// ```
#[derive(Clone, Default)]
pub struct PasswordPolicy {
    settings: PolicySettings,
    /// `settings.deny_list`, lower-cased, for O(1) lookups.
    deny: HashSet<String>,
}

impl fmt::Debug for PasswordPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        f.debug_struct("PasswordPolicy")
            .field("min_length", &s.min_length)
            .field("max_length", &s.max_length)
            .field("strength_policy", &s.strength_policy)
            .field("min_score", &s.min_score)
            .field("luds_min_complexity", &s.luds_min_complexity)
            .field("reject_personal_info", &s.reject_personal_info)
            .field("deny_list", &self.deny.len())
            .field("context_words", &s.context_words.len())
            .field("history_depth", &s.history_depth)
            .finish_non_exhaustive()
    }
}

impl PasswordPolicy {
    /// Validates `settings` against the bounds in the module docs.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] naming the first setting out of bounds.
    pub fn new(mut settings: PolicySettings) -> Result<Self, Error> {
        let invalid = |reason| Err(Error::InvalidConfig { reason });
        if !(64..=4096).contains(&settings.max_length) {
            return invalid("max_length must be between 64 and 4096 code points");
        }
        if settings.min_length < 8 || settings.min_length > settings.max_length {
            return invalid("min_length must be at least 8 and at most max_length");
        }
        if !(1..=4).contains(&settings.min_score) {
            return invalid("min_score must be between 1 and 4");
        }
        if !(1..=4).contains(&settings.luds_min_complexity) {
            return invalid("luds_min_complexity must be between 1 and 4");
        }
        if settings.history_depth > 24 {
            return invalid("history_depth must be at most 24");
        }
        for word in &mut settings.context_words {
            if word.chars().count() < MIN_PART_CHARS {
                return invalid("context_words must be at least 4 code points long");
            }
            *word = word.to_lowercase();
        }
        let deny = std::mem::take(&mut settings.deny_list)
            .into_iter()
            .map(|entry| entry.to_lowercase())
            .collect();
        Ok(Self { settings, deny })
    }

    /// Checks `password` against every rule and returns Stytch's strength-check result
    /// with the list of broken rules.
    ///
    /// The password is only read: it is not stored in the result or in the policy, and
    /// the lower-cased copy made for case-insensitive matching is zeroized. A password
    /// longer than `max_length` is refused after the length and LUDS checks alone, with
    /// score 0 and no zxcvbn, personal-information, deny-list or history checks, which
    /// bounds the work a request can cause.
    #[must_use]
    pub fn check(&self, password: &str, context: &PolicyContext<'_>) -> StrengthResult {
        let s = &self.settings;
        let classes = CharClasses::of(password);
        let chars = u32::try_from(classes.chars).unwrap_or(u32::MAX);
        let too_long = chars > s.max_length;
        let breached = context.breach.is_some_and(|v| v.is_breached());
        let mut violations = Vec::new();

        let missing_characters = s.min_length.saturating_sub(chars);
        if missing_characters > 0 {
            violations.push(Violation::TooShort {
                min_length: s.min_length,
            });
        }
        if too_long {
            violations.push(Violation::TooLong {
                max_length: s.max_length,
            });
        }
        // The LUDS analysis is one pass over the characters, done whatever the length.
        let luds_requirements = (s.strength_policy == StrengthPolicy::Luds).then(|| {
            let missing_complexity = self.missing_complexity(&classes);
            LudsRequirements {
                has_lower_case: classes.lower,
                has_upper_case: classes.upper,
                has_digit: classes.digit,
                has_symbol: classes.symbol,
                missing_complexity,
                missing_characters,
            }
        });
        if let Some(luds) = &luds_requirements
            && luds.missing_complexity > 0
        {
            violations.push(Violation::MissingComplexity {
                missing: luds.missing_complexity,
            });
        }

        if too_long {
            if breached {
                violations.push(Violation::Breached);
            }
            return StrengthResult {
                valid_password: false,
                score: 0,
                breached_password: breached,
                strength_policy: s.strength_policy,
                breach_detection_on_create: context.breach.is_some(),
                feedback: Feedback {
                    luds_requirements,
                    ..Feedback::default()
                },
                violations,
            };
        }

        let estimate = estimate(password, &context.user_inputs());
        let feedback = match luds_requirements {
            Some(luds) => Feedback {
                warning: String::new(),
                suggestions: Vec::new(),
                luds_requirements: Some(luds),
            },
            None => {
                if estimate.score < s.min_score {
                    violations.push(Violation::TooWeak {
                        min_score: s.min_score,
                    });
                }
                Feedback {
                    warning: estimate.warning,
                    suggestions: estimate.suggestions,
                    luds_requirements: None,
                }
            }
        };

        if breached {
            violations.push(Violation::Breached);
        }

        let lowered = Zeroizing::new(password.to_lowercase());
        if s.reject_personal_info {
            if let Some(email) = context.email
                && email_parts(email).any(|part| lowered.contains(&part))
            {
                violations.push(Violation::ContainsEmail);
            }
            if name_parts(context.names).any(|part| lowered.contains(&part)) {
                violations.push(Violation::ContainsName);
            }
        }
        if s.context_words.iter().any(|w| lowered.contains(w.as_str())) {
            violations.push(Violation::ContainsContextWord);
        }
        if self.deny.contains(lowered.as_str()) {
            violations.push(Violation::DenyListed);
        }

        if violations.is_empty() && self.reused(password, context) {
            violations.push(Violation::Reused);
        }

        StrengthResult {
            valid_password: violations.is_empty(),
            score: estimate.score,
            breached_password: breached,
            strength_policy: s.strength_policy,
            breach_detection_on_create: context.breach.is_some(),
            feedback,
            violations,
        }
    }

    /// The larger of the classes short of the minimum count and the required classes
    /// absent (adding the required ones also raises the count).
    fn missing_complexity(&self, classes: &CharClasses) -> u32 {
        let s = &self.settings;
        let short_of_count = u32::from(s.luds_min_complexity).saturating_sub(classes.count());
        let required_absent = [
            (s.require_lower_case, classes.lower),
            (s.require_upper_case, classes.upper),
            (s.require_digit, classes.digit),
            (s.require_symbol, classes.symbol),
        ]
        .iter()
        .map(|&(required, present)| u32::from(required && !present))
        .sum();
        short_of_count.max(required_absent)
    }

    fn reused(&self, password: &str, context: &PolicyContext<'_>) -> bool {
        let Some(verifier) = context.verifier else {
            return false;
        };
        let depth = usize::try_from(self.settings.history_depth).unwrap_or(usize::MAX);
        context
            .history
            .iter()
            .take(depth)
            .any(|stored| verifier.matches(password, stored))
    }
}

/// The local part of an email address (everything before the last `@`), or the whole
/// string when there is no `@`.
fn local_part(email: &str) -> &str {
    email.rsplit_once('@').map_or(email, |(local, _)| local)
}

/// Long enough to be matched (see [`MIN_PART_CHARS`]).
fn long_enough(part: &str) -> bool {
    part.chars().count() >= MIN_PART_CHARS
}

/// The email's local part and its pieces, lower-cased, each at least 4 code points.
fn email_parts(email: &str) -> impl Iterator<Item = String> + '_ {
    let local = local_part(email);
    std::iter::once(local)
        .chain(local.split(['.', '_', '-', '+']))
        .filter(|part| long_enough(part))
        .map(str::to_lowercase)
}

/// Each name's pieces, lower-cased, each at least 4 code points.
fn name_parts<'a>(names: &'a [&'a str]) -> impl Iterator<Item = String> + 'a {
    names
        .iter()
        .flat_map(|name| name.split(|c: char| c.is_whitespace() || matches!(c, '-' | '\'' | '’')))
        .filter(|part| long_enough(part))
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    const STRONG: &str = "correct horse battery staple";

    fn luds(settings: PolicySettings) -> PasswordPolicy {
        PasswordPolicy::new(PolicySettings {
            strength_policy: StrengthPolicy::Luds,
            ..settings
        })
        .unwrap()
    }

    #[test]
    fn defaults_accept_a_strong_password() {
        let r = PasswordPolicy::default().check(STRONG, &PolicyContext::new());
        assert!(r.valid_password);
        assert_eq!(r.score, 4);
        assert!(r.violations.is_empty());
        assert!(!r.breach_detection_on_create && !r.breached_password);
        assert_eq!(r.feedback, Feedback::default());
    }

    #[test]
    fn length_counts_code_points_not_bytes() {
        let policy = luds(PolicySettings {
            luds_min_complexity: 1,
            ..PolicySettings::default()
        });
        // 7 code points, 21 bytes: too short although longer than 8 bytes.
        let r = policy.check("密码密码密码密", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::TooShort { min_length: 8 }]);
        assert_eq!(r.feedback.luds_requirements.unwrap().missing_characters, 1);
        // 8 code points: long enough.
        let r = policy.check("密码密码密码密码", &PolicyContext::new());
        assert!(r.valid_password, "{:?}", r.violations);
        assert_eq!(r.feedback.luds_requirements.unwrap().missing_characters, 0);
    }

    #[test]
    fn too_long_is_refused_without_analysis() {
        let policy = PasswordPolicy::default();
        let long = "a".repeat(257);
        let r = policy.check(&long, &PolicyContext::new().breach(BreachVerdict::NotFound));
        assert_eq!(r.violations, [Violation::TooLong { max_length: 256 }]);
        assert_eq!(r.score, 0);
        assert!(r.breach_detection_on_create);
        // Under LUDS, the character analysis is still reported.
        let r = luds(PolicySettings::default()).check(&long, &PolicyContext::new());
        assert_eq!(
            r.violations,
            [
                Violation::TooLong { max_length: 256 },
                Violation::MissingComplexity { missing: 2 }
            ]
        );
        assert!(r.feedback.luds_requirements.unwrap().has_lower_case);
        // 256 four-byte code points are within the limit.
        let r = policy.check(&"😀".repeat(256), &PolicyContext::new());
        assert!(
            !r.violations
                .contains(&Violation::TooLong { max_length: 256 })
        );
    }

    #[test]
    fn zxcvbn_strategy_refuses_low_scores_with_feedback() {
        let r = PasswordPolicy::default().check("password", &PolicyContext::new());
        assert!(!r.valid_password);
        assert_eq!(r.score, 0);
        assert_eq!(r.violations, [Violation::TooWeak { min_score: 3 }]);
        assert_eq!(r.feedback.warning, "This is a top-10 common password.");
        assert!(r.feedback.luds_requirements.is_none());

        let lenient = PasswordPolicy::new(PolicySettings {
            min_score: 1,
            ..PolicySettings::default()
        })
        .unwrap();
        let r = lenient.check("password", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::TooWeak { min_score: 1 }]);
    }

    #[test]
    fn luds_counts_classes_and_reports_them() {
        let policy = luds(PolicySettings::default());
        let r = policy.check("abcdefgh", &PolicyContext::new());
        assert_eq!(
            r.feedback.luds_requirements,
            Some(LudsRequirements {
                has_lower_case: true,
                has_upper_case: false,
                has_digit: false,
                has_symbol: false,
                missing_complexity: 2,
                missing_characters: 0,
            })
        );
        assert_eq!(r.violations, [Violation::MissingComplexity { missing: 2 }]);
        assert_eq!(r.strength_policy, StrengthPolicy::Luds);
        // LUDS gives no zxcvbn texts, but the score is still computed.
        assert_eq!(r.feedback.warning, "");
        assert!(r.feedback.suggestions.is_empty());

        let r = policy.check("abcdEFGH1", &PolicyContext::new());
        assert!(r.valid_password, "{:?}", r.violations);
        let r = policy.check("aB1!", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::TooShort { min_length: 8 }]);
        assert_eq!(r.feedback.luds_requirements.unwrap().missing_characters, 4);
    }

    #[test]
    fn luds_required_classes_count_beyond_the_minimum() {
        // ForgeRock's defaults: every class required.
        let policy = luds(PolicySettings {
            luds_min_complexity: 1,
            require_lower_case: true,
            require_upper_case: true,
            require_digit: true,
            require_symbol: true,
            ..PolicySettings::default()
        });
        let r = policy.check("Password2##", &PolicyContext::new());
        assert!(r.valid_password, "{:?}", r.violations);
        let r = policy.check("hxjV6A0zcp", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::MissingComplexity { missing: 1 }]);
        let r = policy.check("moresecurethanthis", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::MissingComplexity { missing: 3 }]);

        // Require only a symbol, but three classes in all: "abcdefg1" has two classes
        // and no symbol, so one more class (the symbol) satisfies both.
        let policy = luds(PolicySettings {
            require_symbol: true,
            ..PolicySettings::default()
        });
        let r = policy.check("abcdefg1", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::MissingComplexity { missing: 1 }]);
        let r = policy.check("ABCDEFGH", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::MissingComplexity { missing: 2 }]);
    }

    #[test]
    fn email_local_part_and_its_pieces_are_refused() {
        let policy = luds(PolicySettings {
            luds_min_complexity: 1,
            ..PolicySettings::default()
        });
        let ctx = PolicyContext::new().email("Ada.Lovelace+work@example.com");
        for password in [
            "xxLOVELACExx",
            "adalovelace!",
            "ada.lovelace+work99",
            "9+WORK+9x",
        ] {
            let r = policy.check(password, &ctx);
            assert_eq!(r.violations, [Violation::ContainsEmail], "{password}");
        }
        // "ada" is shorter than four code points: ignored. So is the domain.
        let r = policy.check("adaadaada-example", &ctx);
        assert!(r.valid_password, "{:?}", r.violations);
    }

    #[test]
    fn name_parts_are_refused_ignoring_case() {
        let policy = luds(PolicySettings {
            luds_min_complexity: 1,
            ..PolicySettings::default()
        });
        let ctx = PolicyContext::new().names(&["Mary-Jane", "O'Connor", "Li", "José Ñúñez"]);
        for password in [
            "MARYmary1234",
            "xx-oconnor-xx",
            "connor123",
            "1234ÑÚÑEZ1234",
            "josé-josé",
        ] {
            let r = policy.check(password, &ctx);
            assert_eq!(r.violations, [Violation::ContainsName], "{password}");
        }
        // "Li" and "Mary"-less text pass; with the rule off, names are not matched.
        assert!(policy.check("lilililili", &ctx).valid_password);
        let off = luds(PolicySettings {
            luds_min_complexity: 1,
            reject_personal_info: false,
            ..PolicySettings::default()
        });
        assert!(off.check("connor123", &ctx).valid_password);
    }

    #[test]
    fn personal_info_also_feeds_zxcvbn() {
        // Not matched by the substring rule (rule switched off), yet scored lower.
        let policy = PasswordPolicy::new(PolicySettings {
            reject_personal_info: false,
            ..PolicySettings::default()
        })
        .unwrap();
        let alone = policy.check("lovelace1815", &PolicyContext::new()).score;
        let names = ["Ada", "Lovelace"];
        let with = policy
            .check("lovelace1815", &PolicyContext::new().names(&names))
            .score;
        assert!(with < alone, "{with} !< {alone}");
    }

    #[test]
    fn deny_list_is_exact_and_case_insensitive() {
        let policy = PasswordPolicy::new(PolicySettings {
            strength_policy: StrengthPolicy::Luds,
            deny_list: vec!["Tr0ub4dor&3".into(), "Ünïcode-Pässword".into()],
            ..PolicySettings::default()
        })
        .unwrap();
        let ctx = PolicyContext::new();
        assert_eq!(
            policy.check("tr0ub4dor&3", &ctx).violations,
            [Violation::DenyListed]
        );
        assert_eq!(
            policy.check("ÜNÏCODE-pÄSSWORD", &ctx).violations,
            [Violation::DenyListed]
        );
        assert!(policy.check("Tr0ub4dor&33", &ctx).valid_password);
    }

    #[test]
    fn context_words_are_substrings_and_must_be_long_enough() {
        let policy = PasswordPolicy::new(PolicySettings {
            strength_policy: StrengthPolicy::Luds,
            context_words: vec!["Portcullis".into()],
            ..PolicySettings::default()
        })
        .unwrap();
        let r = policy.check("MyPORTCULLIS-2024", &PolicyContext::new());
        assert_eq!(r.violations, [Violation::ContainsContextWord]);
        let err = PasswordPolicy::new(PolicySettings {
            context_words: vec!["abc".into()],
            ..PolicySettings::default()
        })
        .unwrap_err();
        assert_eq!(err.kind(), "invalid_config");
    }

    #[test]
    fn breach_verdict_is_reported_and_refused() {
        let policy = PasswordPolicy::default();
        let r = policy.check(
            STRONG,
            &PolicyContext::new().breach(BreachVerdict::Breached { count: 3 }),
        );
        assert!(!r.valid_password && r.breached_password && r.breach_detection_on_create);
        assert_eq!(r.violations, [Violation::Breached]);
        let r = policy.check(
            STRONG,
            &PolicyContext::new().breach(BreachVerdict::NotFound),
        );
        assert!(r.valid_password && !r.breached_password && r.breach_detection_on_create);
    }

    #[test]
    fn history_compares_the_newest_hashes_only() {
        let policy = PasswordPolicy::new(PolicySettings {
            history_depth: 2,
            ..PolicySettings::default()
        })
        .unwrap();
        let calls = Cell::new(0);
        let verifier = |password: &str, stored: &str| {
            calls.set(calls.get() + 1);
            stored.strip_prefix("h:") == Some(password)
        };
        let hashes = vec![
            "h:newest password one".to_owned(),
            format!("h:{STRONG}"),
            "h:x".to_owned(),
        ];

        let r = policy.check(STRONG, &PolicyContext::new().history(&hashes, &verifier));
        assert_eq!(r.violations, [Violation::Reused]);
        assert!(!r.valid_password);
        assert_eq!(calls.get(), 2);

        // Beyond the depth: not compared.
        calls.set(0);
        let older = vec!["h:a".to_owned(), "h:b".to_owned(), format!("h:{STRONG}")];
        let r = policy.check(STRONG, &PolicyContext::new().history(&older, &verifier));
        assert!(r.valid_password);
        assert_eq!(calls.get(), 2);
    }

    #[test]
    fn history_is_not_hashed_when_another_rule_failed() {
        let calls = Cell::new(0);
        let verifier = |_: &str, _: &str| {
            calls.set(calls.get() + 1);
            true
        };
        let hashes = ["h:password"];
        let r = PasswordPolicy::default().check(
            "password",
            &PolicyContext::new().history(&hashes, &verifier),
        );
        assert_eq!(r.violations, [Violation::TooWeak { min_score: 3 }]);
        assert_eq!(calls.get(), 0);
    }

    #[test]
    fn history_depth_zero_disables_the_rule() {
        let policy = PasswordPolicy::new(PolicySettings {
            history_depth: 0,
            ..PolicySettings::default()
        })
        .unwrap();
        let verifier = |_: &str, _: &str| true;
        let hashes = ["anything"];
        assert!(
            policy
                .check(STRONG, &PolicyContext::new().history(&hashes, &verifier))
                .valid_password
        );
    }

    #[test]
    fn every_violation_is_listed_in_order() {
        let policy = PasswordPolicy::new(PolicySettings {
            deny_list: vec!["lovelace".into()],
            context_words: vec!["love".into()],
            ..PolicySettings::default()
        })
        .unwrap();
        let names = ["Lovelace"];
        let ctx = PolicyContext::new()
            .email("lovelace@example.com")
            .names(&names)
            .breach(BreachVerdict::Breached { count: 1 });
        let r = policy.check("Lovelace", &ctx);
        assert_eq!(
            r.violations,
            [
                Violation::TooWeak { min_score: 3 },
                Violation::Breached,
                Violation::ContainsEmail,
                Violation::ContainsName,
                Violation::ContainsContextWord,
                Violation::DenyListed,
            ]
        );
    }

    #[test]
    fn settings_out_of_bounds_are_refused() {
        let cases = [
            PolicySettings {
                min_length: 7,
                ..PolicySettings::default()
            },
            PolicySettings {
                min_length: 65,
                max_length: 64,
                ..PolicySettings::default()
            },
            PolicySettings {
                max_length: 63,
                ..PolicySettings::default()
            },
            PolicySettings {
                max_length: 4097,
                ..PolicySettings::default()
            },
            PolicySettings {
                min_score: 0,
                ..PolicySettings::default()
            },
            PolicySettings {
                min_score: 5,
                ..PolicySettings::default()
            },
            PolicySettings {
                luds_min_complexity: 0,
                ..PolicySettings::default()
            },
            PolicySettings {
                luds_min_complexity: 5,
                ..PolicySettings::default()
            },
            PolicySettings {
                history_depth: 25,
                ..PolicySettings::default()
            },
        ];
        for settings in cases {
            let debug = format!("{settings:?}");
            assert!(
                matches!(
                    PasswordPolicy::new(settings),
                    Err(Error::InvalidConfig { .. })
                ),
                "{debug}"
            );
        }
        // The bounds themselves are accepted.
        PasswordPolicy::new(PolicySettings {
            min_length: 64,
            max_length: 64,
            min_score: 4,
            luds_min_complexity: 4,
            history_depth: 24,
            ..PolicySettings::default()
        })
        .unwrap();
    }

    #[test]
    fn settings_deserialise_with_defaults_and_refuse_unknown_fields() {
        let s: PolicySettings = serde_json::from_str(r#"{"history_depth": 3}"#).unwrap();
        assert_eq!(
            s,
            PolicySettings {
                history_depth: 3,
                ..PolicySettings::default()
            }
        );
        assert!(serde_json::from_str::<PolicySettings>(r#"{"min_lenght": 9}"#).is_err());
    }

    #[test]
    fn debug_output_holds_no_personal_data_or_list_contents() {
        let policy = PasswordPolicy::new(PolicySettings {
            deny_list: vec!["secret-list-entry".into()],
            ..PolicySettings::default()
        })
        .unwrap();
        let verifier = |_: &str, _: &str| false;
        let hashes = ["$argon2id$stored"];
        let names = ["Ada"];
        let ctx = PolicyContext::new()
            .email("ada@example.com")
            .names(&names)
            .history(&hashes, &verifier);
        let text = format!("{policy:?} {ctx:?}");
        for needle in ["secret-list-entry", "ada@example.com", "Ada", "argon2id"] {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
        let result = policy.check("Hunter2-hunter2", &ctx);
        assert!(!format!("{result:?}").to_lowercase().contains("hunter"));
    }
}
