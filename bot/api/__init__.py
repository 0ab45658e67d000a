"""The HTTP API: one FastAPI app, one router per channel."""
