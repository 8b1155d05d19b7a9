"""The plugin system: every hook (``hookspecs``), the typed facade that calls them (``hooks``),
how plugins are found and loaded (``manager``, ``registration``) and how a plugin's failure is
named (``hookcall``). A plugin itself never imports this package: it imports ``reconciler``.
"""
