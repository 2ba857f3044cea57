"""Revenue: daily revenue marts by region, country and chain (assets.py), one UTC day per partition.

`pipelines/` wires `REVENUE_ASSETS` with the `warehouse` resource (resources.py) into the Definitions.
"""
