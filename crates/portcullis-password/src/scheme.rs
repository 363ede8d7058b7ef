//! The catalogue of supported hash schemes and their stable names.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! schemes {
    ($($variant:ident => $name:literal, $doc:literal;)*) => {
        /// A password-hash scheme portcullis can verify, identified from a stored hash.
        ///
        /// [`Scheme::name`] is the stable snake_case name used in JSON (CLI output,
        /// migration reports, test vectors).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum Scheme {
            $(#[doc = $doc] $variant,)*
        }

        impl Scheme {
            /// Every scheme, in catalogue order.
            pub const ALL: &'static [Scheme] = &[$(Scheme::$variant,)*];

            /// The stable snake_case name.
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(Scheme::$variant => $name,)*
                }
            }

            /// The scheme with this stable name.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Scheme::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

schemes! {
    Argon2id => "argon2id", "PHC `$argon2id$` (RFC 9106), v=16 or v=19.";
    Argon2i => "argon2i", "PHC `$argon2i$`.";
    Argon2d => "argon2d", "PHC `$argon2d$`.";
    Scrypt => "scrypt", "PHC `$scrypt$ln=,r=,p=$` (passlib and RustCrypto: `ln` is log2 N).";
    ScryptMcf => "scrypt_mcf", "libsodium/passlib `$7$` scrypt.";
    Pbkdf2Sha1 => "pbkdf2_sha1", "`$pbkdf2$` (PHC `i=,l=` or passlib rounds, adapted base64).";
    Pbkdf2Sha256 => "pbkdf2_sha256", "`$pbkdf2-sha256$` (PHC or passlib).";
    Pbkdf2Sha512 => "pbkdf2_sha512", "`$pbkdf2-sha512$` (PHC or passlib).";
    Bcrypt => "bcrypt", "bcrypt `$2a$`, `$2b$`, `$2y$`, `$2x$`.";
    BcryptSha256 => "bcrypt_sha256", "passlib `$bcrypt-sha256$` (v1 and v2).";
    BcryptHmacSha384 => "bcrypt_hmac_sha384", "portcullis bcrypt over base64(HMAC-SHA384(pepper, password)).";
    Md5Crypt => "md5_crypt", "FreeBSD md5-crypt `$1$`.";
    Apr1Md5Crypt => "apr1_md5_crypt", "Apache `$apr1$`.";
    Sha256Crypt => "sha256_crypt", "SHA-crypt `$5$`.";
    Sha512Crypt => "sha512_crypt", "SHA-crypt `$6$`.";
    Phpass => "phpass", "phpass portable `$P$` and phpBB3 `$H$`.";
    Drupal7Sha512 => "drupal7_sha512", "Drupal 7 `$S$`.";
    Drupal7UpgradedMd5 => "drupal7_upgraded_md5", "Drupal 7 `U$S$` (a Drupal 6 MD5 wrapped in `$S$`).";
    DjangoPbkdf2Sha256 => "django_pbkdf2_sha256", "Django `pbkdf2_sha256$`.";
    DjangoPbkdf2Sha1 => "django_pbkdf2_sha1", "Django `pbkdf2_sha1$`.";
    DjangoPbkdf2Sha512 => "django_pbkdf2_sha512", "`pbkdf2_sha512$` in Django's layout (PropelAuth imports).";
    DjangoArgon2 => "django_argon2", "Django `argon2$argon2id$...` / `argon2$argon2i$...`.";
    DjangoBcryptSha256 => "django_bcrypt_sha256", "Django `bcrypt_sha256$`: bcrypt over hex SHA-256.";
    DjangoBcrypt => "django_bcrypt", "Django `bcrypt$`.";
    DjangoSaltedSha1 => "django_salted_sha1", "Django `sha1$salt$hex`.";
    DjangoSaltedMd5 => "django_salted_md5", "Django `md5$salt$hex`.";
    DjangoUnsaltedMd5 => "django_unsalted_md5", "Django unsalted MD5: 32 hex digits or `md5$$hex`.";
    DjangoUnsaltedSha1 => "django_unsalted_sha1", "Django `sha1$$hex`.";
    WerkzeugPbkdf2 => "werkzeug_pbkdf2", "Werkzeug `pbkdf2:<hash>:<iterations>$salt$hex`.";
    WerkzeugScrypt => "werkzeug_scrypt", "Werkzeug `scrypt:<n>:<r>:<p>$salt$hex`.";
    AspnetIdentityV2 => "aspnet_identity_v2", "ASP.NET Identity v2 (base64, PBKDF2-HMAC-SHA1).";
    AspnetIdentityV3 => "aspnet_identity_v3", "ASP.NET Identity v3 (base64, PBKDF2 with a PRF header).";
    LdapMd5 => "ldap_md5", "RFC 2307 `{MD5}`.";
    LdapSha1 => "ldap_sha1", "RFC 2307 `{SHA}`.";
    LdapSaltedMd5 => "ldap_salted_md5", "`{SMD5}`.";
    LdapSaltedSha1 => "ldap_salted_sha1", "`{SSHA}`.";
    LdapSaltedSha256 => "ldap_salted_sha256", "`{SSHA256}`.";
    LdapSaltedSha512 => "ldap_salted_sha512", "`{SSHA512}`.";
    LdapCrypt => "ldap_crypt", "`{CRYPT}` around md5-crypt, SHA-crypt or bcrypt.";
    FirebaseScrypt => "firebase_scrypt", "Firebase Auth's modified scrypt.";
    Md4 => "md4", "MD4 of prefix ‖ password ‖ suffix (Auth0 imports).";
    Md5 => "md5", "MD5 of prefix ‖ password ‖ suffix.";
    Sha1 => "sha1", "SHA-1 of prefix ‖ password ‖ suffix.";
    Sha256 => "sha256", "SHA-256 of prefix ‖ password ‖ suffix.";
    Sha512 => "sha512", "SHA-512 of prefix ‖ password ‖ suffix.";
    HmacMd5 => "hmac_md5", "HMAC-MD5 with a stored key (Auth0 imports).";
    HmacSha1 => "hmac_sha1", "HMAC-SHA1 with a stored key.";
    HmacSha256 => "hmac_sha256", "HMAC-SHA256 with a stored key.";
    HmacSha512 => "hmac_sha512", "HMAC-SHA512 with a stored key.";
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for &scheme in Scheme::ALL {
            assert!(seen.insert(scheme.name()), "duplicate {scheme}");
            assert_eq!(Scheme::from_name(scheme.name()), Some(scheme));
            let json = serde_json::to_string(&scheme).unwrap();
            assert_eq!(json, format!("\"{}\"", scheme.name()));
        }
        assert_eq!(Scheme::from_name("rot13"), None);
    }
}
