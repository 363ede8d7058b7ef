#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    portcullis_fuzz_harness::run("otp_base32_secret", data);
});
