"""Reconciliation: proves, day by day, that the transactional store and the revenue marts agree.

`pipelines/revenue.py` wires it with the revenue marts; the `warehouse` and `store` resources come
from pipelines/resources.py.
"""
