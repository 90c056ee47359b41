"""The checks of :func:`~iicsa_stats.validation.validate`, one module each.

Every module exposes ``NAME`` (the stable ``check`` name of its problems) and
``run(state)``, which yields :class:`~iicsa_stats.validation.Problem` objects
for a loaded :class:`~iicsa_stats.validation._state.PackageState`.  The
registry (:data:`iicsa_stats.validation.registry.REGISTRY`) lists them in the
order they run.  To add a check: write a module here, add its name to
:data:`~iicsa_stats.validation.CHECKS` and the module to the registry.
"""
