"""Revenue: daily revenue marts by region, country and chain (assets.py), one UTC day per partition.

`pipelines/revenue.py` wires the assets, their daily job and schedule; the `warehouse` resource comes
from pipelines/resources.py.
"""
