"""The core: models, storage, events, configuration, money and time.

Everything else stands on it; it imports nothing from `bot`, `scheduler`, `messages` or the apps
(`relance.cli`, `relance.web`, `relance.simulation`), and no Typer, Rich or FastAPI.
"""
