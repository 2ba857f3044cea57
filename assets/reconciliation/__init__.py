"""Reconciliation: proves, day by day, that the transactional store and the revenue marts agree.

`pipelines/` wires `RECONCILIATION_ASSETS` (assets.py) with the `warehouse` and `store` resources.
"""
