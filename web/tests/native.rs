//! Native half of the cross-build determinism check: `cargo test -p kplay-web` (default target).
//! The browser half is `determinism_hash_matches_the_native_golden_file` in `browser.rs`.
#![cfg(not(target_arch = "wasm32"))]

use kplay_web::demo;

#[test]
fn determinism_hash_matches_the_golden_file() {
    let golden = include_str!("../../tests/golden/web-determinism.hash").trim();
    let hash = demo::determinism_hash().expect("the demo spec is valid");
    assert_eq!(
        demo::hash_hex(hash),
        golden,
        "re-bless tests/golden/web-determinism.hash if the engine changed on purpose"
    );
}

#[test]
fn share_link_decoding_never_panics_on_garbage() {
    for s in [
        "",
        "#run=",
        "#run=v1",
        "#run=v1/payments/1/",
        "#run=v1/payments/99999999999999999999/",
        "#run=v1/payments/5/1500:",
        "#run=v1/payments/5/1500:p.",
        "#run=v1/orders/0/1500:m0",
        "#run=v1/quorum/5/1500:c",
        "#run=v1/quorum/5/1500:cc",
        "#run=v1/quorum/5/1500:cc1",
        "#run=v1/quorum/5/1500:xc10",
        "#run=v1/quorum/5/1500:xc",
        "#run=v1/quorum/5/1500:xcé",
        "#run=v1/quorum/5/1500:sc103.",
        "#run=v1/quorum/5/1500:ic1é1",
        "#run=v1/payments/5/1500:k",
        "#run=v1/payments/5/1500:kl",
        "#run=v1/payments/5/1500:klé",
        "#run=v1/payments/5/1500:kcbrotli",
        "#run=v1/payments/5/1500:kc",
        "#run=v1/payments/5/1500:kié",
        "#run=v1/payments/5/3599999:ps",
        "#run=v1/payments/5/1500:kjava,1500:kpy,1500:ps",
    ] {
        let _ = kplay_web::link::decode(s);
    }
}
