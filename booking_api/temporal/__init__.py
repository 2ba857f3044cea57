"""The booking and cancellation sagas on Temporal: workflows (thin, deterministic), activities
(methods of a class holding the store, supplier and payment clients) and the worker."""
