"""Local stand-ins for the providers' HTTP APIs, used by the tests, the benchmarks and the simulation.

They are real HTTP servers on an ephemeral 127.0.0.1 port, spoken to by the real SDKs: nothing of
ours is mocked. They record what they receive so that tests can assert on it, and fail loudly
(HTTP errors shaped like the provider's) on anything they do not implement.
"""
