"""Calls: audio devices, codec, playout, mixer, aiortc peers and video.

Runs on its own thread with its own asyncio loop; nothing here imports Qt.
"""
