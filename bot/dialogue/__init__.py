"""The conversation with a debtor: a pure state machine (`machine`, `plans`) and its persistence (`service`)."""
