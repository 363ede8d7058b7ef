//! The README's promises hold: its quickstart names exactly two commands, and the test
//! command is the one `.ci/run` runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use portcullis_tests::repo_root;

fn quickstart_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let section = readme
        .split("## Quickstart")
        .nth(1)
        .expect("README has a Quickstart section");
    let section = section.split("\n## ").next().unwrap();
    let block = section
        .split("```sh\n")
        .nth(1)
        .expect("Quickstart has a sh code block")
        .split("```")
        .next()
        .unwrap();
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[test]
fn quickstart_has_a_demo_and_a_test_command() {
    let commands = quickstart_commands();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run"), "{commands:?}");
    assert!(commands[1].starts_with("cargo test"), "{commands:?}");
}

#[test]
fn ci_runs_the_readme_test_command() {
    let test_command = quickstart_commands().pop().unwrap();
    let ci = std::fs::read_to_string(repo_root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == test_command),
        ".ci/run does not run `{test_command}`"
    );
    for required in [
        "cargo fmt --all --check",
        "cargo clippy --workspace --all-targets --all-features -- -D warnings",
        "PORTCULLIS_REQUIRE_BACKENDS=1",
    ] {
        assert!(ci.contains(required), ".ci/run lacks {required}");
    }
}
