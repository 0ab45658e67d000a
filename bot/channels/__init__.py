"""Messaging channels that speak a third party's protocol (WeChat)."""
