"""The performance benchmark of issue 3: seeding, a naive baseline, load with wrk, invariants."""
