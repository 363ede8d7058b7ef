//! Benchmarks for portcullis live in `benches/`; this library target is empty.
//!
//! Convention, so results compare mechanically (`bench-ratios` reads them): each
//! criterion group is named for the operation, `area/operation` (for example
//! `core/token_base64url_32`). Inside a group the function `portcullis` measures our
//! API, `baseline` measures the raw dependency called directly to do the same work, and
//! `floor`, where there is one, measures the bare primitive underneath (a signature
//! check with an already-parsed key, say). Run with `cargo bench -p portcullis-benches`.
