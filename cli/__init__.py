"""The `ibe` command: the composition root that wires every package into one CLI."""
