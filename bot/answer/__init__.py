"""Answering: the grounded decision and the extractive composer."""
