//! A deterministic, seeded mutation fuzzer in stable Rust (cargo-fuzz needs nightly, which these
//! machines cannot fetch). It grows inputs from a corpus of valid ones with the usual libFuzzer
//! moves: bit flips, byte replacement from a dictionary of the format's tokens, truncation,
//! deletion and duplication of ranges, and splices of two corpus entries. The run is bounded by
//! iterations and/or wall time (`KPLAY_FUZZ_ITERS`, `KPLAY_FUZZ_SECS`) and seeded by
//! `KPLAY_FUZZ_SEED`, so a failure is reproduced by its seed and iteration.
//!
//! Included by `tests/fuzz.rs` (scenario and lesson parsers) and `web/tests/fuzz_link.rs` (share
//! links and embed parameters) with `#[path]`, so it depends on nothing but `std`.

use std::time::{Duration, Instant};

/// SplitMix64: small, fast, and the same on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// How long and from where a run goes.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub seed: u64,
    pub iterations: u64,
    pub time: Option<Duration>,
}

impl Budget {
    /// From the environment, with the CI defaults given.
    pub fn from_env(default_iterations: u64) -> Budget {
        let var = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
        let time = var("KPLAY_FUZZ_SECS").map(Duration::from_secs);
        Budget {
            seed: var("KPLAY_FUZZ_SEED").unwrap_or(0x6b70_6c61_79),
            // A time budget alone runs until the time is up.
            iterations: var("KPLAY_FUZZ_ITERS").unwrap_or(if time.is_some() {
                u64::MAX
            } else {
                default_iterations
            }),
            time,
        }
    }
}

/// One mutation of `input`, using `corpus` for splices and `dict` for tokens.
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>], dict: &[&[u8]]) -> Vec<u8> {
    let mut b = input.to_vec();
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        match rng.below(8) {
            // Flip one bit.
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            // Replace a byte with an interesting one.
            1 if !b.is_empty() => {
                let i = rng.below(b.len());
                const BYTES: &[u8] = b"\x00\xff\x7f\x80/:,.%#=[]{}\"'\n \\<>-+0123456789azAZ";
                b[i] = BYTES[rng.below(BYTES.len())];
            }
            // Truncate.
            2 => {
                let n = rng.below(b.len() + 1);
                b.truncate(n);
            }
            // Delete a range.
            3 if !b.is_empty() => {
                let at = rng.below(b.len());
                let len = 1 + rng.below((b.len() - at).min(16));
                b.drain(at..at + len);
            }
            // Duplicate a range (repeated fields, long numbers).
            4 if !b.is_empty() && b.len() < 1 << 16 => {
                let at = rng.below(b.len());
                let len = 1 + rng.below((b.len() - at).min(32));
                let chunk: Vec<u8> = b[at..at + len].to_vec();
                let to = rng.below(b.len() + 1);
                b.splice(to..to, chunk);
            }
            // Insert a dictionary token.
            5 if !dict.is_empty() => {
                let tok = dict[rng.below(dict.len())];
                let to = rng.below(b.len() + 1);
                b.splice(to..to, tok.iter().copied());
            }
            // Splice: our head, another corpus entry's tail.
            6 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(b.len() + 1);
                let from = rng.below(other.len() + 1);
                b.truncate(cut);
                b.extend_from_slice(&other[from..]);
            }
            // Replace a run of digits with a huge or boundary number.
            _ => {
                const NUMS: [&str; 6] = [
                    "0",
                    "18446744073709551616",
                    "4294967295",
                    "-1",
                    "3600001",
                    "999999999999",
                ];
                if let Some(i) = b.iter().position(|c| c.is_ascii_digit()) {
                    let end = b[i..]
                        .iter()
                        .position(|c| !c.is_ascii_digit())
                        .map_or(b.len(), |e| i + e);
                    b.splice(i..end, NUMS[rng.below(NUMS.len())].bytes());
                }
            }
        }
    }
    b
}

/// Runs `check` on mutated inputs until the budget is spent; returns how many ran. `check` gets
/// the input and panics (with the message) on a finding; the panic message is prefixed with the
/// seed and iteration that reproduce it. Inputs that grew useful (accepted) join the corpus.
pub fn run(
    name: &str,
    budget: Budget,
    seeds: &[Vec<u8>],
    dict: &[&[u8]],
    mut check: impl FnMut(&[u8]) -> bool,
) -> u64 {
    let started = Instant::now();
    let mut rng = Rng::new(budget.seed);
    let mut corpus: Vec<Vec<u8>> = seeds.to_vec();
    let mut i = 0u64;
    while i < budget.iterations && budget.time.is_none_or(|t| started.elapsed() < t) {
        let base = corpus[rng.below(corpus.len())].clone();
        let input = mutate(&mut rng, &base, &corpus, dict);
        let accepted = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)))
            .unwrap_or_else(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!(
                    "fuzz {name}: seed {} iteration {i}: {msg}\ninput ({} bytes, head): {:?}",
                    budget.seed,
                    input.len(),
                    String::from_utf8_lossy(&input[..input.len().min(300)])
                )
            });
        // Keep a bounded corpus of inputs that still parse: deeper mutations from them.
        if accepted && corpus.len() < 512 {
            corpus.push(input);
        }
        i += 1;
    }
    eprintln!(
        "fuzz {name}: {i} inputs in {:.1} s (seed {}), corpus {}",
        started.elapsed().as_secs_f64(),
        budget.seed,
        corpus.len()
    );
    i
}

/// A readable error: one line of text, not empty, not a Rust debug dump, bounded length.
pub fn assert_readable(what: &str, input: &str, err: &str) {
    let head: String = input.chars().take(200).collect();
    assert!(!err.trim().is_empty(), "{what}: empty error for {head:?}");
    assert!(
        err.chars().count() <= 2_000,
        "{what}: error longer than 2000 characters: {err}"
    );
    assert!(
        !err.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{what}: control characters in the error: {err:?}"
    );
    for dump in ["Err(", "Some(", "panicked", "unwrap", "called `"] {
        assert!(!err.contains(dump), "{what}: not a readable error: {err}");
    }
}
