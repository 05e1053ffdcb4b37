//! The notes' examples (section 四, Min ISR), checked against the engine.

use kplay_engine::{Command, KafkaError};
use kplay_tests::*;

/// RF=3, min ISR=2: normal → OK; one broker down → OK; two down → NOT_ENOUGH_REPLICAS; acks=1 → OK.
#[test]
fn min_isr_example_from_the_notes() {
    for seed in 0..20 {
        let mut c = cluster_with_topic(seed, 3, "payments", 1, 3, 2, "all");
        let o = produce_and_wait(&mut c, "payments", Some("order-1"), "42.00", 5_000);
        assert_eq!(ok(&o), Some(0), "seed={seed} {o:?}");
        assert_eq!(isr(&c, "payments", 0), vec![1, 2, 3]);

        let l = leader(&c, "payments", 0).unwrap();
        let followers: Vec<u32> = (1..=3).filter(|&b| b != l).collect();
        cmd(
            &mut c,
            Command::CrashBroker {
                broker: followers[0],
            },
        );
        c.run_ms(10_000); // broker.session.timeout.ms = 9000 → fenced, leaves the ISR
        assert_eq!(isr(&c, "payments", 0).len(), 2, "seed={seed}");
        let o = produce_and_wait(&mut c, "payments", Some("order-2"), "10.00", 5_000);
        assert_eq!(
            ok(&o),
            Some(1),
            "seed={seed} one broker down still accepts acks=all: {o:?}"
        );

        cmd(
            &mut c,
            Command::CrashBroker {
                broker: followers[1],
            },
        );
        c.run_ms(10_000);
        assert_eq!(isr(&c, "payments", 0), vec![l], "seed={seed}");
        let o = produce_and_wait(&mut c, "payments", Some("order-3"), "5.00", 5_000);
        assert_eq!(
            err(&o),
            Some(KafkaError::NotEnoughReplicas),
            "seed={seed} {o:?}"
        );

        cmd(
            &mut c,
            Command::AlterProducerConfig {
                producer: "p".into(),
                key: "acks".into(),
                value: "1".into(),
            },
        );
        let o = produce_and_wait(&mut c, "payments", Some("order-4"), "7.00", 5_000);
        assert_eq!(ok(&o), Some(2), "seed={seed} acks=1 ignores min ISR: {o:?}");

        // Bring both back: they catch up and rejoin the ISR; acks=all works again.
        cmd(
            &mut c,
            Command::RestartBroker {
                broker: followers[0],
            },
        );
        cmd(
            &mut c,
            Command::RestartBroker {
                broker: followers[1],
            },
        );
        c.run_ms(10_000);
        assert_eq!(isr(&c, "payments", 0), vec![1, 2, 3], "seed={seed}");
        cmd(
            &mut c,
            Command::AlterProducerConfig {
                producer: "p".into(),
                key: "acks".into(),
                value: "all".into(),
            },
        );
        let o = produce_and_wait(&mut c, "payments", Some("order-5"), "1.00", 5_000);
        assert_eq!(ok(&o), Some(3), "seed={seed} {o:?}");
    }
}
