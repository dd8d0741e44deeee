"""Built-in connectors, installed as ``omisync.connectors``.

Each connector is a subpackage registered in the ``omisync.connectors`` entry-point group, the
same way a third-party connector package registers.
"""
