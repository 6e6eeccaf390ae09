"""Settings: every limit and default of the service, overridable by ACT_* variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACT_", case_sensitive=False)

    # Range and size of the x grid (defaults are the article's np.linspace(-5, 5, 100)).
    DEFAULT_X_MIN: float = -5.0
    DEFAULT_X_MAX: float = 5.0
    DEFAULT_NUM: int = 100
    MAX_ABS_X: float = 1e6
    MIN_NUM: int = 2
    MAX_NUM: int = 100_000
    # Points accepted in one POST body.
    MAX_POINTS: int = 100_000

    # Browsers may call the API from these origins.
    CORS_ORIGINS: list[str] = ["*"]


settings = Settings()
