"""Item models: adapters from the client's mirror to Qt's model/view."""
