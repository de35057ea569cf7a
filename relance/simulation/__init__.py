"""Simulated time: the whole pipeline (import, sweep, dispatch, dialogue, escalation) on a simulated clock."""
