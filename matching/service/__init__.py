"""The matcher service: the Django app (label `matching`) around the pure matching core.

The only code that imports both the engine and the models: the matcher's loop, its batch
and fan-out, the persister, the configuration and funds sync, the callers' client, the
periodic tasks and the management commands.
"""
