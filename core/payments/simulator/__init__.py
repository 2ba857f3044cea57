"""The simulated card payment provider: `create_app(SimulatorConfig(...))` (served by
`ibe payments-simulator`), with its books in `ledger.py`."""

from core.payments.simulator.app import Faults, PaymentsSimulator, SimulatorConfig, create_app

__all__ = ["Faults", "PaymentsSimulator", "SimulatorConfig", "create_app"]
