"""The debtor-facing bot: understanding replies, the dialogue, and the channels."""
