//! Native half of the web crate's determinism check, run by the root test crate so the test
//! command does not have to compile the Yew app natively. The browser half is
//! `determinism_hash_matches_the_native_golden_file` in `web/tests/browser.rs`.

#[path = "../web/src/demo.rs"]
#[allow(dead_code)]
mod demo;

#[test]
fn web_determinism_sequence_matches_the_golden_hash() {
    let golden = include_str!("golden/web-determinism.hash").trim();
    let hash = demo::determinism_hash().expect("the demo spec is valid");
    assert_eq!(
        demo::hash_hex(hash),
        golden,
        "re-bless tests/golden/web-determinism.hash if the engine changed on purpose"
    );
}
