"""One APIRouter per area of the HTTP contract."""
