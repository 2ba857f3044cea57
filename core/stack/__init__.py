"""Starts, checks and stops the embedded services (`ibe stack up|down|status`)."""

from core.stack.manager import ServiceStatus, StackError, down, kill, prepare_data_dir, start, status, up

__all__ = ["ServiceStatus", "StackError", "down", "kill", "prepare_data_dir", "start", "status", "up"]
