"""`ibe chaos`: a seeded booking storm while real processes are SIGKILLed and restarted, then invariants.

Jepsen's method on this platform: a workload (bookings and cancellations through `ibe api` over
HTTP), a nemesis (SIGKILL of the saga worker, the outbox relay, the stream sink, the Kafka broker and
the Temporal server at points drawn from the seed, each restarted the way `ibe stack up` starts it),
and a checker that reads every system of record afterwards: the store, the supplier's orders, the
payment provider's ledger, the managed inventory, the outbox and the revenue marts.

schedule.py   the kill schedule, a pure function of the seed
storm.py      the workload: bookings of every outcome, some cancelled, retried as a client would
nemesis.py    runs the schedule against the stack's processes
invariants.py what must hold afterwards, each check naming the bookings that break it
run.py        the whole run on a fresh data folder and free ports
"""
