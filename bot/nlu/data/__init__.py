"""The learned model of `bot.nlu.learned` (written by tools/train_nlu.py)."""
