"""The demo's simulated attendees (``roomcast --demo``).

The app starts an embedded server on a throwaway data directory and creates a
conversation; :class:`DemoAttendees` then runs ``python -m desktop.demo`` in a
child process, where about forty invented people (:mod:`.people`) sign up, are
added with a realistic mix of audio connections (:mod:`.crowd`) and act as
people would once breakout rooms run (:mod:`.attendee`). No Qt here: the child
uses the client SDK only.
"""

from .launcher import DemoAttendees, DemoFailed
from .order import Behaviour

__all__ = ["Behaviour", "DemoAttendees", "DemoFailed"]
