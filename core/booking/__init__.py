"""Bookings in the transactional store, framework-free: records and their state machine, managed
inventory holds, idempotency keys, the per-user index, supplier order attempts and API keys.

Every function here takes a transaction (or a store, through `transactional`) so the API and the
saga's activities compose them into one serializable transaction with the outbox event.
"""
