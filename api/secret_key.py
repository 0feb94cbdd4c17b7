"""The signing key: SECRET_KEY when set, otherwise one generated once and kept under the data folder."""

import logging
import os
import secrets
from pathlib import Path

from api.config import Settings

logger = logging.getLogger("api.keys")  # its name before the move, kept for log filters

KEY_FILE_NAME = "secret.key"
# start-up reads the key more than once: say it once per file
_warned: set[Path] = set()


def resolve_secret_key(settings: Settings) -> str:
    """SECRET_KEY, or the key in `<data_dir>/secret.key`, created (mode 0600) when missing."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = settings.data_dir / KEY_FILE_NAME
    if not path.exists():
        _create_key_file(path)
        logger.warning("SECRET_KEY is not set: generated a signing key and stored it in %s", path)
        _warned.add(path)
    elif path not in _warned:
        logger.warning("SECRET_KEY is not set: using the signing key stored in %s", path)
        _warned.add(path)
    key = path.read_text().strip()
    if len(key) < 32:
        raise RuntimeError(f"{path} holds no usable key; delete it to generate a new one, or set SECRET_KEY")
    return key


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # write a private temporary file, then link it into place: a worker starting at the same moment
    # either wins the link or reads the complete key of the one that did, never a half-written file
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")  # 256 bits for HS256
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink(missing_ok=True)
