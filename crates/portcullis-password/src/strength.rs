//! The strength result: what a password check returns, shaped like Stytch's
//! `POST /v1/passwords/strength_check` response.
//!
//! Two strategies decide whether a password is strong enough, as at Stytch:
//!
//! - **zxcvbn** (the default): the password's estimated guess count, scored 0-4 by the
//!   zxcvbn algorithm (D. L. Wheeler, "zxcvbn: Low-Budget Password Strength Estimation",
//!   USENIX Security 2016) through the `zxcvbn` crate, must reach a minimum score (3, as
//!   at Stytch). zxcvbn finds dictionary words, common passwords, names, keyboard walks,
//!   repeats, sequences and dates, and also the user's own details (email, names) when
//!   they are given. zxcvbn's matching costs grow roughly with the square of the
//!   length (measured with the `zxcvbn` crate on the project's 2-core machine: about
//!   1 ms at 32 code points, 25 ms at 64, 80 ms at 100), so only the first
//!   [`ZXCVBN_MAX_CHARS`] = 72 code points are scored, the bound the Python `zxcvbn`
//!   package enforces (it refuses longer input). A longer password is scored on that
//!   prefix; in practice this only matters for long repetitions, which score low on
//!   their prefix too. Even so, a strength check costs as much CPU as a password hash:
//!   rate-limit the endpoints that run it.
//! - **LUDS** (lower case, upper case, digits, symbols): the password must be long enough
//!   and use enough of the four character classes.
//!
//! The serialised field names are exactly Stytch's (`valid_password`, `score`,
//! `breached_password`, `strength_policy`, `breach_detection_on_create`, `feedback` with
//! `warning`, `suggestions` and `luds_requirements`), so a service moving off Stytch can
//! keep its front end. portcullis adds one field, `violations`, listing every rule of
//! the [`PasswordPolicy`](crate::PasswordPolicy) the password broke; a Stytch response
//! without it deserialises with an empty list.
//!
//! Nothing in this module holds the password: results carry booleans, counts and fixed
//! English texts only, so they can be logged and returned to the user as they are.

use serde::{Deserialize, Serialize};

/// Which strategy decides whether a password is strong enough.
///
/// Serialises as `"zxcvbn"` or `"luds"`, Stytch's `strength_policy` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrengthPolicy {
    /// The zxcvbn score must reach the policy's minimum (default 3 of 4).
    #[default]
    Zxcvbn,
    /// The password must use enough character classes (lower case, upper case, digits,
    /// symbols), plus any class the policy names as required.
    Luds,
}

/// The outcome of checking a password against a [`PasswordPolicy`](crate::PasswordPolicy).
///
/// A weak, breached or reused password is a result with `valid_password: false`, not an
/// error. The JSON form is Stytch's strength-check response (see the module docs):
///
/// ```
/// use portcullis_password::{PasswordPolicy, PolicyContext, StrengthPolicy};
///
/// let result = PasswordPolicy::default().check("password1", &PolicyContext::new());
/// assert!(!result.valid_password);
/// assert_eq!(result.score, 0);
/// assert_eq!(result.strength_policy, StrengthPolicy::Zxcvbn);
/// assert_eq!(result.feedback.warning, "This is a very common password.");
///
/// let json = serde_json::to_value(&result).unwrap();
/// assert_eq!(json["valid_password"], false);
/// assert_eq!(json["strength_policy"], "zxcvbn");
/// assert_eq!(json["feedback"]["luds_requirements"], serde_json::Value::Null);
/// assert_eq!(json["violations"][0]["kind"], "too_weak");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StrengthResult {
    /// Whether the password may be set: it broke none of the policy's rules
    /// (`violations` is empty).
    pub valid_password: bool,
    /// The zxcvbn score, 0 (guessable in under 10^3 guesses) to 4 (over 10^10 guesses).
    /// Computed under both strategies.
    pub score: u8,
    /// Whether the breach check found the password in a breach corpus. Always `false`
    /// when no check was run (see `breach_detection_on_create`).
    pub breached_password: bool,
    /// The strategy that decided the strength part of `valid_password`.
    pub strength_policy: StrengthPolicy,
    /// Whether a breach check was run for this result, i.e. the caller supplied a
    /// [`BreachVerdict`](crate::BreachVerdict). As at Stytch, when this is `false`,
    /// `breached_password` is always `false`.
    pub breach_detection_on_create: bool,
    /// What to tell the user.
    pub feedback: Feedback,
    /// Every policy rule the password broke, in a fixed order (length, strength, breach,
    /// personal information, deny-list, history). Empty exactly when `valid_password`.
    #[serde(default)]
    pub violations: Vec<Violation>,
}

/// Advice for the user, in Stytch's `feedback` shape.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Feedback {
    /// zxcvbn's explanation of the weakness (e.g. "This is a top-10 common password."),
    /// or the empty string. Always empty under the LUDS strategy.
    #[serde(default)]
    pub warning: String,
    /// zxcvbn's suggestions, when the score is 2 or lower. Always empty under the LUDS
    /// strategy.
    #[serde(default)]
    pub suggestions: Vec<String>,
    /// The character-class analysis; present under the LUDS strategy, `null` under
    /// zxcvbn (as in Stytch's responses).
    #[serde(default)]
    pub luds_requirements: Option<LudsRequirements>,
}

/// Which character classes a password uses and what it still lacks (Stytch's
/// `luds_requirements`).
///
/// Classes follow Unicode rather than ASCII, so passwords in any script are judged
/// fairly: a lower-case letter is any character Unicode calls lower case (`a`, `é`, `ж`),
/// likewise upper case, and a digit is any numeric character. Everything else counts as
/// a symbol: punctuation, spaces, emoji, and letters of scripts without case (Chinese,
/// Arabic, ...). Stytch counts "any UTF8 character outside of a-z or A-Z" as a symbol, so
/// an accented letter can be a symbol there and a letter here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LudsRequirements {
    /// The password has at least one lower-case letter.
    pub has_lower_case: bool,
    /// The password has at least one upper-case letter.
    pub has_upper_case: bool,
    /// The password has at least one digit.
    pub has_digit: bool,
    /// The password has at least one symbol (see above).
    pub has_symbol: bool,
    /// How many more character classes the password needs: the larger of the classes
    /// short of the policy's minimum count and the required classes it lacks.
    pub missing_complexity: u32,
    /// How many more characters (Unicode code points) the password needs to reach the
    /// minimum length; 0 when it is long enough.
    pub missing_characters: u32,
}

/// One rule of the policy that a password broke.
///
/// Serialised with a `kind` tag, e.g. `{"kind": "too_short", "min_length": 8}`. No
/// variant carries any part of the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Violation {
    /// Fewer Unicode code points than the minimum length.
    TooShort {
        /// The policy's minimum, in code points.
        min_length: u32,
    },
    /// More Unicode code points than the maximum length.
    TooLong {
        /// The policy's maximum, in code points.
        max_length: u32,
    },
    /// zxcvbn strategy: the score is below the minimum.
    TooWeak {
        /// The policy's minimum score.
        min_score: u8,
    },
    /// LUDS strategy: not enough character classes, or a required class is absent.
    MissingComplexity {
        /// How many more classes are needed.
        missing: u32,
    },
    /// The breach check found the password.
    Breached,
    /// The password contains the local part of the user's email address, or a piece
    /// of it.
    ContainsEmail,
    /// The password contains one of the user's names.
    ContainsName,
    /// The password contains one of the policy's context words (the service's name, ...).
    ContainsContextWord,
    /// The password is on the policy's deny-list.
    DenyListed,
    /// The password is one of the user's recent passwords.
    Reused,
}

impl Violation {
    /// A stable machine-readable name, the same as the serialised `kind`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::TooWeak { .. } => "too_weak",
            Self::MissingComplexity { .. } => "missing_complexity",
            Self::Breached => "breached",
            Self::ContainsEmail => "contains_email",
            Self::ContainsName => "contains_name",
            Self::ContainsContextWord => "contains_context_word",
            Self::DenyListed => "deny_listed",
            Self::Reused => "reused",
        }
    }

    /// A short English sentence for the user.
    #[must_use]
    pub fn message(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "The password is too short.",
            Self::TooLong { .. } => "The password is too long.",
            Self::TooWeak { .. } => "The password is too easy to guess.",
            Self::MissingComplexity { .. } => {
                "The password needs more kinds of characters (lower case, upper case, digits, symbols)."
            }
            Self::Breached => "The password has appeared in a data breach; choose another.",
            Self::ContainsEmail => "The password must not contain your email address.",
            Self::ContainsName => "The password must not contain your name.",
            Self::ContainsContextWord => "The password must not contain the name of this service.",
            Self::DenyListed => "The password is too common; choose another.",
            Self::Reused => "The password was used recently; choose a new one.",
        }
    }
}

/// The four character classes a password uses and its length in code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct CharClasses {
    pub(crate) lower: bool,
    pub(crate) upper: bool,
    pub(crate) digit: bool,
    pub(crate) symbol: bool,
    /// Length in Unicode code points (NIST SP 800-63B counts characters, not bytes).
    pub(crate) chars: usize,
}

impl CharClasses {
    pub(crate) fn of(password: &str) -> Self {
        let mut classes = Self::default();
        for c in password.chars() {
            classes.chars += 1;
            if c.is_lowercase() {
                classes.lower = true;
            } else if c.is_uppercase() {
                classes.upper = true;
            } else if c.is_numeric() {
                classes.digit = true;
            } else {
                classes.symbol = true;
            }
        }
        classes
    }

    /// How many of the four classes are present.
    pub(crate) fn count(&self) -> u32 {
        u32::from(self.lower)
            + u32::from(self.upper)
            + u32::from(self.digit)
            + u32::from(self.symbol)
    }
}

/// zxcvbn's verdict, reduced to what the result carries: the score and fixed texts.
/// The crate's own result also lists the matched pieces of the password; it is dropped
/// here so that nothing derived from the password outlives the check.
pub(crate) struct Estimate {
    pub(crate) score: u8,
    pub(crate) warning: String,
    pub(crate) suggestions: Vec<String>,
}

/// How many code points of a password zxcvbn scores (see the module docs).
pub const ZXCVBN_MAX_CHARS: usize = 72;

pub(crate) fn estimate(password: &str, user_inputs: &[&str]) -> Estimate {
    let end = password
        .char_indices()
        .nth(ZXCVBN_MAX_CHARS)
        .map_or(password.len(), |(i, _)| i);
    let scored = password.get(..end).unwrap_or(password);
    let entropy = zxcvbn::zxcvbn(scored, user_inputs);
    let (warning, suggestions) = match entropy.feedback() {
        Some(feedback) => (
            feedback
                .warning()
                .map(|w| w.to_string())
                .unwrap_or_default(),
            feedback
                .suggestions()
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        None => (String::new(), Vec::new()),
    };
    Estimate {
        score: u8::from(entropy.score()),
        warning,
        suggestions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_unicode() {
        let c = CharClasses::of("aB3!");
        assert!(c.lower && c.upper && c.digit && c.symbol);
        assert_eq!((c.count(), c.chars), (4, 4));

        // Accented and Cyrillic letters keep their case; caseless scripts and emoji
        // count as symbols.
        let c = CharClasses::of("éЖ");
        assert!(c.lower && c.upper && !c.digit && !c.symbol);
        let c = CharClasses::of("密码🔑 ");
        assert!(!c.lower && !c.upper && !c.digit && c.symbol);
        assert_eq!(c.chars, 4);
        // Non-ASCII digits are digits.
        assert!(CharClasses::of("٣").digit);
    }

    #[test]
    fn empty_password_has_no_class() {
        let c = CharClasses::of("");
        assert_eq!((c.count(), c.chars), (0, 0));
    }

    #[test]
    fn estimate_keeps_fixed_texts_only() {
        let e = estimate("password", &[]);
        assert_eq!(e.score, 0);
        assert_eq!(e.warning, "This is a top-10 common password.");
        assert_eq!(
            e.suggestions,
            ["Add another word or two. Uncommon words are better."]
        );
        let strong = estimate("correct horse battery staple", &[]);
        assert_eq!(strong.score, 4);
        assert_eq!(strong.warning, "");
        assert!(strong.suggestions.is_empty());
    }

    #[test]
    fn only_the_first_72_code_points_are_scored() {
        // 72 multi-byte code points, then anything: the same estimate.
        let prefix = "é".repeat(ZXCVBN_MAX_CHARS);
        let long = format!("{prefix}ZqX!v9#Lm2");
        assert_eq!(estimate(&long, &[]).score, estimate(&prefix, &[]).score);
        assert_eq!(estimate(&long, &[]).warning, estimate(&prefix, &[]).warning);
        // A strong tail after 71 repeated letters does count.
        let short = format!("{}ZqX!v9#Lm2", "é".repeat(ZXCVBN_MAX_CHARS - 1));
        assert_ne!(estimate(&short, &[]).score, estimate(&prefix, &[]).score);
    }

    #[test]
    fn user_inputs_lower_the_score() {
        let alone = estimate("lovelace1815", &[]).score;
        let with_name = estimate("lovelace1815", &["ada", "lovelace"]).score;
        assert!(with_name < alone, "{with_name} !< {alone}");
    }

    #[test]
    fn violation_kinds_match_their_serde_tags() {
        for v in [
            Violation::TooShort { min_length: 8 },
            Violation::TooLong { max_length: 9 },
            Violation::TooWeak { min_score: 3 },
            Violation::MissingComplexity { missing: 1 },
            Violation::Breached,
            Violation::ContainsEmail,
            Violation::ContainsName,
            Violation::ContainsContextWord,
            Violation::DenyListed,
            Violation::Reused,
        ] {
            let json = serde_json::to_value(v).unwrap();
            assert_eq!(json["kind"], v.kind());
            assert!(!v.message().is_empty());
            let back: Violation = serde_json::from_value(json).unwrap();
            assert_eq!(back, v);
        }
    }

    #[test]
    fn deserialises_a_stytch_response() {
        // A response with the fields of the Stytch seed (ST 004, strength_check),
        // including the envelope fields (request_id, status_code) that we ignore.
        let stytch = r#"{
            "breach_detection_on_create": true,
            "breached_password": false,
            "feedback": {
                "luds_requirements": null,
                "suggestions": ["Add another word or two. Uncommon words are better.",
                                "Predictable substitutions like '@' instead of 'a' don't help very much."],
                "warning": "This is similar to a commonly used password."
            },
            "request_id": "request-id-test-0001",
            "score": 1,
            "status_code": 200,
            "strength_policy": "zxcvbn",
            "valid_password": false
        }"#;
        let r: StrengthResult = serde_json::from_str(stytch).unwrap();
        assert!(!r.valid_password && r.breach_detection_on_create);
        assert_eq!(r.score, 1);
        assert_eq!(r.strength_policy, StrengthPolicy::Zxcvbn);
        assert_eq!(r.feedback.suggestions.len(), 2);
        assert!(r.feedback.luds_requirements.is_none());
        assert!(r.violations.is_empty());
    }
}
