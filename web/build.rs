//! Parses and validates the bundled lessons (`kplay_engine::lesson::builtin`) at build time and
//! writes them as JSON for `src/lessons.rs`: the browser then needs no TOML or lesson parser, and
//! a broken lesson fails the build with its `file:line:col: reason`.
//!
//! The JSON's name carries its FNV-1a hash (`KPLAY_LESSONS_FILE`, e.g. `lessons-1a2b3c4d.json`):
//! a release build fetches that file next to the page instead of carrying the text in both wasm
//! bundles, and `scripts/postbuild.mjs` copies it there under the same name (a new lesson text is
//! a new name, so no cache ever serves a stale one).

fn main() {
    println!("cargo:rerun-if-changed=../lessons");
    println!("cargo:rerun-if-changed=../engine/src");
    let lessons = match kplay_engine::lesson::builtin::lessons() {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            panic!("a bundled lesson does not parse: {e}");
        }
    };
    let json = serde_json::to_string(&lessons).expect("lessons serialise");
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("lessons.json"), &json).expect("OUT_DIR is writable");
    println!(
        "cargo:rustc-env=KPLAY_LESSONS_FILE=lessons-{:08x}.json",
        fnv1a32(json.as_bytes())
    );
}

/// 32-bit FNV-1a, the same as `fnv1a32` in `scripts/postbuild.mjs`.
fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(*b)).wrapping_mul(0x0100_0193)
    })
}
