"""Settings for this deployment: edit here.

The settings classes and their environment variables are defined in ``mhst/settings.py``
(inside the package, so an installed wheel has them). The app reads its settings from this
file when it runs from a checkout of the repository; with the wheel installed, copy this
file anywhere and point ``MHST_SETTINGS`` at it (``MHST_SETTINGS=/etc/mhst/config.py``),
or leave ``MHST_SETTINGS`` unset to use the package's classes as they are.

``MHST_ENV`` picks ``DevelopmentConfig``, ``TestConfig`` or ``ProductionConfig`` from
here by name, so override a class by subclassing it under the same name, for example::

    class ProductionConfig(ProductionConfig):
        ROLLOUT_TARGET_YEAR = 2030
        SERVICE_MAX_AGE = 25
"""

from mhst.settings import (
    DEVELOPMENT_SECRET_KEY,
    Config,
    DevelopmentConfig,
    ProductionConfig,
    TestConfig,
    config_from_env,
    database_url_from_env,
    rate_limit_storage_from_env,
)

__all__ = [
    "DEVELOPMENT_SECRET_KEY",
    "Config",
    "DevelopmentConfig",
    "ProductionConfig",
    "TestConfig",
    "config_from_env",
    "database_url_from_env",
    "rate_limit_storage_from_env",
]
