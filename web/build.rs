//! Parses and validates the bundled lessons (`kplay_engine::lesson::builtin`) at build time and
//! writes them as JSON for `src/lessons.rs`: the browser then needs no TOML or lesson parser, and
//! a broken lesson fails the build with its `file:line:col: reason`.

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
    std::fs::write(out.join("lessons.json"), json).expect("OUT_DIR is writable");
}
