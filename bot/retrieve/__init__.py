"""Retrieval: query understanding, lexical + dense search fused, and a rerank at clause level."""
