"""Integrations other programs use: MCP (mcp.py), LangChain (langchain.py), and what they share (clauses.py)."""
