"""Errors of the transactional-store port, the same for every backend."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of every store error."""


class LimitExceeded(StoreError):
    """A key, value or transaction is larger than FoundationDB allows (and so the port allows)."""


class RetryLimitExceeded(StoreError):
    """A transaction kept conflicting and was given up after the bounded number of retries."""


class StoreUnavailable(StoreError):
    """The store cannot be opened: a missing cluster file, a corrupt SQLite file, a bad path."""


class RetryableConflict(StoreError):
    """Raised inside a transaction to ask the runner to retry it from the start."""


class ReadOnlyTransaction(StoreError):
    """A write was attempted inside `Store.read`."""
