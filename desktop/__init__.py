"""Roomcast: conversations with breakout rooms and embedded peer-to-peer calls."""
